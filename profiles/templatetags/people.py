"""Template helpers for the people and council pages (templates/profiles/people/, councils/, settings/)."""

import posixpath

from django import template
from django.urls import reverse

from core.avatars import avatar_html
from profiles import selectors
from profiles.extensions import ProfileSection
from profiles.permissions import can_see_email

register = template.Library()


@register.filter
def avatar_url(person) -> str:
    """Where the person's avatar is served (profiles:avatar), or "" when they have none."""
    if not person.avatar:
        return ""
    filename = posixpath.basename(person.avatar.name)
    return reverse("profiles:avatar", kwargs={"handle": person.handle, "filename": filename})


@register.simple_tag
def avatar(person, size: str = "s"):
    """`{% avatar person "s" %}`: their photo, or their initials on their colour (core.avatars). Reads the
    person's display name, erased date, handle and avatar: list them in any `only()` of the query."""
    return avatar_html(name=person.public_name, key=person.handle, url=avatar_url(person), size=size)


@register.filter
def email_visible_to(person, viewer) -> bool:
    return can_see_email(viewer=viewer, person=person)


@register.simple_tag(takes_context=True)
def render_section(context, section: ProfileSection) -> str:
    """Render a registered section's template with the page's context plus `section` and its context."""
    section_template = context.template.engine.get_template(section.template)
    with context.push(section=section, **section.context):
        return section_template.render(context)


@register.simple_tag
def people_to_know(viewer) -> list:
    """`{% people_to_know request.user as people %}`: up to five people the member may want to know, each
    with its reasons (profiles.selectors.people_to_know)."""
    return selectors.people_to_know(viewer)
