"""What goes in a member's digest: built for a chunk of members at once, with a fixed number of queries.

The sections come from the providers the apps register (core.providers.digests): each collects its
candidates once for the whole chunk, then picks each member's items from them with its permission module's
own checks. Here: each member's window, the sections in order, the newest few of each, and the subject.
"""

from datetime import datetime, timedelta

from core.providers.digests import Digest, DigestChunk, digest_providers, digest_sections

PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# However long since their last digest, a member is sent at most this much history.
LONGEST_WINDOW = timedelta(days=31)
PER_SECTION = 8


def subject_for(*, frequency: str, sections: list[dict]) -> str:
    """What is inside, counted: "Your daily digest: 3 new conversations and 1 practice update"."""
    return f"Your {frequency} digest: " + _join([section["summary"] for section in sections])


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def window_start(
    *, frequency: str, until: datetime, last_until: datetime | None, joined: datetime
) -> datetime:
    """Since the member's last digest; the first covers one period; never more than LONGEST_WINDOW."""
    start = last_until or max(joined, until - PERIOD[frequency])
    return max(start, until - LONGEST_WINDOW)


def digests_build(*, users: list, frequency: str, until: datetime) -> dict[int, Digest]:
    """Each member's digest (possibly empty). `users` carry `last_until` and `previous_keys` (see
    delivery.with_history); the number of queries does not depend on how many there are."""
    if not users:
        return {}
    digests = {
        user.pk: Digest(
            user=user,
            since=window_start(
                frequency=frequency, until=until, last_until=user.last_until, joined=user.date_joined
            ),
            until=until,
        )
        for user in users
    }
    chunk = DigestChunk(users=users, start=min(digest.since for digest in digests.values()), until=until)
    collected = [(provider, provider.collect(chunk)) for provider in digest_providers()]
    sections = digest_sections()
    for digest in digests.values():
        previous = set(digest.user.previous_keys or ())

        def fresh(key: str, previous=previous) -> bool:
            return key not in previous

        picked: dict[str, list[dict]] = {}
        for provider, rows in collected:
            picked.update(provider.pick(digest, chunk, rows, fresh))
        for section, _ in sections:
            items = picked.get(section.name)
            if items:
                # Sections show the newest few; "more" counts the rest, which the page links to find.
                digest.sections.append(
                    {
                        "name": section.name,
                        "heading": section.heading,
                        "summary": _count(len(items), section.one, section.many),
                        "one": section.one,
                        "many": section.many,
                        "items": items[:PER_SECTION],
                        "more": max(len(items) - PER_SECTION, 0),
                    }
                )
    return digests


def sections_still_readable(*, user, sections: list[dict]) -> tuple[list[dict], int]:
    """A built digest's sections, keeping only what the member may read now (a query or two per provider
    with items in it), and how many items were withheld: for a retried send and the "view in browser" page.
    Items of a section no provider registers any more are withheld."""
    providers = {section.name: provider for section, provider in digest_sections()}
    items = [item for section in sections for item in section["items"]]
    readable: set[str] = set()
    for provider in digest_providers():
        own = [
            item
            for section in sections
            if providers.get(section["name"]) is provider
            for item in section["items"]
        ]
        if own:
            readable |= provider.still_readable(user, own)
    kept = []
    for section in sections:
        shown = [item for item in section["items"] if item["key"] in readable]
        if len(shown) == len(section["items"]):
            kept.append(section)
        elif shown:  # counted again: what it holds now, not what it held when built
            summary = _count(len(shown), section.get("one", "item"), section.get("many", "items"))
            kept.append({**section, "items": shown, "summary": summary, "more": 0})
    return kept, len(items) - sum(len(section["items"]) for section in kept)
