"""The home page's side column and welcome state (templates/khub/home/): the member's communities with
their unread counts, and communities to join (communities.selectors.home: one query each)."""

from django import template

from communities.selectors.home import suggested_communities, your_communities

register = template.Library()


@register.simple_tag
def communities_of(viewer) -> dict:
    """`{% communities_of request.user as mine %}`: mine.shown (name, slug, unread_label), mine.more."""
    shown, more = your_communities(viewer)
    return {"shown": shown, "more": more}


@register.simple_tag
def communities_to_join(viewer) -> list:
    """`{% communities_to_join request.user as suggestions %}`: up to three open communities to join."""
    return suggested_communities(viewer)
