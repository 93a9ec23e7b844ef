"""The facilitators' members page (/communities/<slug>/manage/members/): the rows of its three tables
(members, open invitations, bans) written in Python, each value escaped, with the same markup as the
templates that drew them before. Through the templates, with two includes and two {% url %} tags a row,
the page's ~130 rows took about two thirds of the request's time in Python. The links are reversed once
per page and filled in per row (urls.py stays the one source of the paths).
tests/communities/test_manage_member_rows.py holds the rows to those templates' markup for every role."""

from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import formats
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from communities.models import Membership
from core.avatars import avatar_html
from profiles.templatetags.people import avatar_url

R = Membership.Role


class _Links:
    """The page's links, reversed once, and the hidden inputs every action form posts."""

    def __init__(self, context):
        community, number = context["community"], context["page_obj"].number
        self.members = reverse("communities:manage-members", args=[community.slug])
        # Each ends with its placeholder ("0/", "-/"), cut off here: a slug may be "0" too.
        self._action = reverse("communities:manage-member", args=[community.slug, 0]).removesuffix("0/")
        self._profile = reverse("profiles:profile", args=["-"]).removesuffix("-/")
        self.page_query = f"&page={number}" if number > 1 else ""
        self.hidden = format_html(
            '{}<input type="hidden" name="page" value="{}">', _csrf_input(context), number
        )

    def action(self, user_id: int) -> str:
        return f"{self._action}{user_id}/"

    def profile(self, handle: str) -> str:
        return f"{self._profile}{handle}/"


def member_rows(context) -> SafeString:
    """The page's rows (context's page_obj) as the table body's <tr> elements: what the template context
    of communities/manage/_members.html says (the viewer, whether they own the community, the focus)."""
    links, viewer_pk = _Links(context), context["request"].user.pk
    focus_user_id = context.get("focus_user_id") if context.get("focus") == "member" else None
    viewer_is_owner = bool(context.get("viewer_is_owner"))
    return format_html_join(
        "",
        "{}",
        (
            (
                _row(
                    membership,
                    viewer_pk=viewer_pk,
                    viewer_is_owner=viewer_is_owner,
                    focused=membership.user_id == focus_user_id,
                    links=links,
                ),
            )
            for membership in context["page_obj"]
        ),
    )


def invitation_rows(context) -> SafeString:
    """The open invitations (context's invitations) as <tr> elements: who, invited by whom, when, and the
    button that cancels it."""
    links, viewer_pk = _Links(context), context["request"].user.pk
    return format_html_join(
        "",
        '<tr class="govuk-table__row" id="invitation-{}">{}<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td></tr>',
        (
            (
                membership.user_id,
                _person_cell(membership.user, viewer_pk, links),
                _invited_by(membership),
                _date(membership.updated_at),
                _one_action(membership, links, "cancel_invitation", "Cancel invitation", "to"),
            )
            for membership in context["invitations"]
        ),
    )


def banned_rows(context) -> SafeString:
    """The bans (context's banned) as <tr> elements: who, when, and the button that lifts it."""
    links, viewer_pk = _Links(context), context["request"].user.pk
    focus_user_id = context.get("focus_user_id") if context.get("focus") == "banned" else None
    return format_html_join(
        "",
        '<tr class="govuk-table__row" id="banned-{}"{}>{}<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td></tr>',
        (
            (
                membership.user_id,
                _FOCUSED if membership.user_id == focus_user_id else "",
                _person_cell(membership.user, viewer_pk, links),
                _date(membership.updated_at),
                _one_action(membership, links, "unban", "Lift ban", "on"),
            )
            for membership in context["banned"]
        ),
    )


_FOCUSED = mark_safe(' tabindex="-1" autofocus')


def _invited_by(membership: Membership) -> str:
    inviter = membership.invited_by if membership.invited_by_id else None
    return (inviter.public_name if inviter else "") or ""


def _date(value) -> SafeString:
    """A <time> as the template's date filters drew it, in the reader's zone."""
    when = localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', date_format(when, "c"), formats.date_format(when, "j M Y")
    )


def _person_cell(person, viewer_pk: int, links: _Links) -> SafeString:
    """The first cell of a row about a person: their picture, name linked to the profile, then council."""
    council = person.council.name if person.council_id and person.council.name else "Independent member"
    picture = avatar_html(name=person.public_name, key=person.handle, url=avatar_url(person), size="s")
    return format_html(
        '<td class="govuk-table__cell"><div class="khub-named">{}<div>'
        '<a class="govuk-link" href="{}">{}</a>{}<br><span class="govuk-body-s">{}</span></div></div></td>',
        picture,
        links.profile(person.handle),
        person.display_name,
        " (you)" if person.pk == viewer_pk else "",
        council,
    )


def _one_action(
    membership: Membership, links: _Links, action: str, label: str, label_suffix: str
) -> SafeString:
    """A single-button member action: posts to manage-member, swapped in place by htmx, a plain post
    without JavaScript."""
    url = links.action(membership.user_id)
    return format_html(
        '<form method="post" action="{}" hx-post="{}" hx-target="#manage-members" hx-swap="outerHTML">{}'
        '<button type="submit" name="action" value="{}" class="khub-link-button">'
        '{}<span class="govuk-visually-hidden"> {} {}</span></button></form>',
        url,
        url,
        links.hidden,
        action,
        label,
        label_suffix,
        membership.user.display_name,
    )


def _csrf_input(context) -> SafeString:
    """What {% csrf_token %} draws in this context: the hidden input with the page's token."""
    return mark_safe(CsrfTokenNode().render(context))  # noqa: S308 (Django's own tag, already escaped)


def _row(membership: Membership, *, viewer_pk: int, viewer_is_owner: bool, focused: bool, links: _Links):
    person, role = membership.user, membership.role
    return format_html(
        '<tr class="govuk-table__row" id="member-{}"{}>{}'
        '<td class="govuk-table__cell">'
        '<strong class="govuk-tag govuk-tag--{}">{}</strong></td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td></tr>',
        membership.user_id,
        _FOCUSED if focused else "",
        _person_cell(person, viewer_pk, links),
        "green" if role == R.MEMBER else "purple",
        membership.get_role_display(),
        _date(membership.joined_at) if membership.joined_at else "",
        "" if person.pk == viewer_pk else _actions(membership, viewer_is_owner, links),
    )


def _actions(membership: Membership, viewer_is_owner: bool, links: _Links) -> SafeString:
    """The row's role buttons (one form) and, apart, its remove and ban links (to their confirmation), as
    the viewer may use them."""
    role, name = membership.role, membership.user.display_name
    action = links.action(membership.user_id)
    form = ""
    if role != R.OWNER or viewer_is_owner:
        if role == R.MEMBER:
            buttons = [_button("promote", name, "a", "facilitator")]
        elif role == R.FACILITATOR:
            buttons = [_button("demote", name, "a", "member")]
        else:
            buttons = [_button("demote", name, "a", "facilitator")]
        if viewer_is_owner and role != R.OWNER:
            buttons.append(_button("make_owner", name, "an", "owner"))
        form = format_html(
            '<form method="post" action="{}" hx-post="{}" hx-target="#manage-members" hx-swap="outerHTML"'
            ' class="khub-row-actions">{}{}</form>',
            action,
            action,
            links.hidden,
            format_html_join("", "{}", ((button,) for button in buttons)),
        )
    confirms = ""
    if role == R.MEMBER or (role == R.FACILITATOR and viewer_is_owner):
        # Apart from the role buttons and red: each opens a confirmation saying what will happen.
        confirms = format_html(
            '<span class="khub-row-actions__destructive">{}</span>',
            format_html_join(
                "",
                '<a class="govuk-link khub-link--destructive" href="{}">{}'
                '<span class="govuk-visually-hidden"> {}</span></a>',
                (
                    (_confirm(links, membership, "remove"), "Remove", name),
                    (_confirm(links, membership, "ban"), "Ban", name),
                ),
            ),
        )
    return format_html('<div class="khub-row-actions">{}{}</div>', form, confirms)


def _button(value: str, name: str, article: str, label: str) -> SafeString:
    return format_html(
        '<button type="submit" name="action" value="{}" class="khub-link-button">'
        'Make<span class="govuk-visually-hidden"> {} {}</span> {}</button>',
        value,
        name,
        article,
        label,
    )


def _confirm(links: _Links, membership: Membership, action: str) -> str:
    """The link to the panel that confirms removing or banning the person, on this page."""
    return f"{links.members}?confirm={action}&user_id={membership.user_id}{links.page_query}#confirm"
