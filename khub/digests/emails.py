"""A digest as an email and as a page, from the sections stored on the delivery."""

from datetime import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.email import absolute, message_id
from khub.digests.models import DigestDelivery
from profiles.emails import Unsubscribe, member_email
from profiles.models import User


def _shown(item: dict, link) -> dict:
    """A stored item as the templates show it: its links made with `link`, its time a datetime."""
    return {
        **item,
        "url": link(item["path"]),
        "where_url": link(item["where_path"]) if item.get("where_path") else "",
        "when": datetime.fromisoformat(item["when"]),
    }


def digest_context(*, delivery: DigestDelivery, absolute_links: bool) -> dict:
    """The page's context: sections with their items' links (absolute in email) and times as datetimes."""
    link = absolute if absolute_links else (lambda path: path)
    return {
        "delivery": delivery,
        "sections": [
            {**section, "items": [_shown(item, link) for item in section["items"]]}
            for section in delivery.sections
        ],
        "view_url": link(reverse("digest", kwargs={"delivery_id": delivery.pk})),
        "frequency": delivery.get_frequency_display().lower(),
    }


def _email_sections(sections: list[dict], fragments: dict) -> list[dict]:
    """The sections as the email's templates take them: each section's item lines, HTML and text, joined
    (`html`, `text`). Each item's lines are rendered once for all the digests that share `fragments` (a
    chunk's): many members' digests list the same conversation or story."""
    shown = []
    for section in sections:
        html, text = [], []
        for item in section["items"]:
            key = tuple(item.items())  # the item as stored: what its lines are rendered from
            lines = fragments.get(key)
            if lines is None:
                shown_item = _shown(item, absolute)
                lines = fragments[key] = (
                    render_to_string("emails/_digest_item.html", {"item": shown_item}),
                    render_to_string("emails/_digest_item.txt", {"item": shown_item}),
                )
            html.append(lines[0])
            text.append(lines[1])
        # Each line is a template's output, escaped there: joined, they are as safe.
        shown.append({**section, "html": mark_safe("".join(html)), "text": "".join(text)})  # noqa: S308
    return shown


def digest_message(*, delivery: DigestDelivery, user: User, connection=None, fragments: dict | None = None):
    """The email; `fragments` (a dict, empty at first) shares its items' rendered lines with the other
    digests given the same one."""
    context = {
        "delivery": delivery,
        "sections": _email_sections(delivery.sections, {} if fragments is None else fragments),
        "view_url": absolute(reverse("digest", kwargs={"delivery_id": delivery.pk})),
        "frequency": delivery.get_frequency_display().lower(),
    }
    return member_email(
        user=user,
        template="digest",
        context=context,
        kind=Unsubscribe.DIGEST,
        subject=delivery.subject,
        connection=connection,
        message_id=message_id("digest", delivery.pk, delivery.created_at),
    )
