"""Template helpers for the community pages: what a visibility means, how to name a membership, and a
thread page's posts as kept in the cache (communities.views.post_html)."""

from django import template
from django.utils.safestring import SafeString

from communities.forms import VISIBILITY_HINTS
from communities.models import Membership, Post
from communities.views import member_rows as member_rows_html
from communities.views import post_html as post_html_cache

register = template.Library()

S = Membership.State
R = Membership.Role

# (label, GOV.UK tag colour) of the viewer's membership on cards and profile lists. Left and removed say
# nothing: the person is back where everyone else is.
_MEMBERSHIP_TAGS = {
    S.REQUESTED: ("Requested", "yellow"),
    S.INVITED: ("Invited", "turquoise"),
    S.DECLINED: ("Request declined", "grey"),
    S.BANNED: ("Banned", "red"),
}
_ROLE_TAGS = {
    R.OWNER: ("Owner", "purple"),
    R.FACILITATOR: ("Facilitator", "purple"),
    R.MEMBER: ("Member", "green"),
}
VISIBILITY_COLOURS = {"open": "teal", "restricted": "orange", "private": "magenta"}


@register.filter
def visibility_hint(value: str) -> str:
    return VISIBILITY_HINTS.get(value, "")


@register.filter
def visibility_colour(value: str) -> str:
    return VISIBILITY_COLOURS.get(value, "grey")


@register.inclusion_tag("communities/_membership_tag.html")
def membership_tag(membership: Membership | None) -> dict:
    """A GOV.UK tag saying where the viewer stands: Owner, Facilitator, Member, Requested, Invited..."""
    if membership is None:
        return {"label": ""}
    if membership.state == S.ACTIVE:
        label, colour = _ROLE_TAGS[membership.role]
    else:
        label, colour = _MEMBERSHIP_TAGS.get(membership.state, ("", ""))
    return {"label": label, "colour": colour}


@register.simple_tag(takes_context=True)
def post_html(context, post: Post) -> SafeString:
    """A post drawn by post_html_cache.render_posts, with this page's CSRF token in its forms."""
    return post_html_cache.post_html(post, context)


@register.simple_tag(takes_context=True)
def manage_member_rows(context) -> SafeString:
    """The facilitators' members table's rows, written in Python (communities.views.member_rows)."""
    return member_rows_html.member_rows(context)


@register.simple_tag(takes_context=True)
def manage_invitation_rows(context) -> SafeString:
    """The facilitators' open invitations' rows, written in Python (communities.views.member_rows)."""
    return member_rows_html.invitation_rows(context)


@register.simple_tag(takes_context=True)
def manage_banned_rows(context) -> SafeString:
    """The facilitators' bans' rows, written in Python (communities.views.member_rows)."""
    return member_rows_html.banned_rows(context)
