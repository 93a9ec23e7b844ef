"""Guides with revisions for the tests of the library's other surfaces (search, feed, digests, profiles,
export, erasure, admin). The guide-writing services are built on another branch of issue 21; until they are
merged these rows are written as those services write them: a Guide whose newest revision's title, text,
author and time it carries, and one GuideRevision per save."""

from datetime import datetime

from django.utils import timezone

from core.markdown import markdown_render
from library.models import Guide, GuideRevision


def guide(
    *, author, community, title: str = "Running a shared waste service", body: str = "", **fields
) -> Guide:
    now = fields.pop("at", None) or timezone.now()
    made = Guide.objects.create(
        community=community,
        slug=fields.pop("slug", None) or f"guide-{Guide.objects.count() + 1}",
        title=title,
        body=body or "How the councils share **one** waste contract.",
        body_html=markdown_render(body or "How the councils share **one** waste contract."),
        revision_count=1,
        created_by=author,
        created_at=now,
        last_edited_by=author,
        last_edited_at=now,
        **fields,
    )
    GuideRevision.objects.create(
        guide=made,
        number=1,
        title=made.title,
        body=made.body,
        author=author,
        created_at=now,
        note="First draft",
    )
    return made


def revise(made: Guide, *, author, body: str, note: str = "", at: datetime | None = None) -> GuideRevision:
    """Another save: a new revision, the guide showing it."""
    now = at or timezone.now()
    made.revision_count += 1
    made.body, made.body_html = body, markdown_render(body)
    made.last_edited_by, made.last_edited_at = author, now
    made.save(update_fields=["revision_count", "body", "body_html", "last_edited_by", "last_edited_at"])
    return GuideRevision.objects.create(
        guide=made,
        number=made.revision_count,
        title=made.title,
        body=body,
        author=author,
        created_at=now,
        note=note,
    )
