"""A digest as an email and as a page: one context for both, from the sections stored on the delivery."""

from datetime import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from core.email import absolute, message_id
from khub.digests.models import DigestDelivery
from profiles.emails import Unsubscribe, member_email
from profiles.models import User


def digest_context(*, delivery: DigestDelivery, absolute_links: bool) -> dict:
    """Sections with their items' links (absolute in email) and times as datetimes."""
    link = absolute if absolute_links else (lambda path: path)
    sections = []
    for section in delivery.sections:
        items = [
            {
                **item,
                "url": link(item["path"]),
                "where_url": link(item["where_path"]) if item.get("where_path") else "",
                "when": datetime.fromisoformat(item["when"]),
            }
            for item in section["items"]
        ]
        sections.append({**section, "items": items})
    return {
        "delivery": delivery,
        "sections": sections,
        "view_url": link(reverse("digest", kwargs={"delivery_id": delivery.pk})),
        "frequency": delivery.get_frequency_display().lower(),
    }


def _with_fragments(sections: list[dict], fragments: dict) -> list[dict]:
    """Each item's lines in the email, HTML and text, rendered once for all the digests that share
    `fragments` (a chunk's): many members' digests list the same conversation or story."""
    for section in sections:
        for item in section["items"]:
            key = tuple(item.items())
            if key not in fragments:
                fragments[key] = (
                    render_to_string("emails/_digest_item.html", {"item": item}),
                    render_to_string("emails/_digest_item.txt", {"item": item}),
                )
            item["html"], item["text"] = fragments[key]
    return sections


def digest_message(*, delivery: DigestDelivery, user: User, connection=None, fragments: dict | None = None):
    """The email; `fragments` (a dict, empty at first) shares its items' rendered lines with the other
    digests given the same one."""
    context = digest_context(delivery=delivery, absolute_links=True)
    context["sections"] = _with_fragments(context["sections"], {} if fragments is None else fragments)
    return member_email(
        user=user,
        template="digest",
        context=context,
        kind=Unsubscribe.DIGEST,
        subject=delivery.subject,
        connection=connection,
        message_id=message_id("digest", delivery.pk, delivery.created_at),
    )
