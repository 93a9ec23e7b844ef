"""What can be searched for, the filters each kind has, and one match as the engine passes it around."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from practice.models import ServiceArea
from profiles.models import Council

PRACTICE, CONVERSATIONS, COMMUNITIES, PEOPLE = "practice", "conversations", "communities", "people"
KIND_LABELS = {
    PRACTICE: "Practice",
    CONVERSATIONS: "Conversations",
    COMMUNITIES: "Communities",
    PEOPLE: "People",
}
# The filters each kind has: a filter a kind lacks leaves that kind out of the results.
FILTERS_BY_KIND = {
    PRACTICE: {"community", "council", "region", "service_area", "tag", "since", "until"},
    CONVERSATIONS: {"community", "council", "region", "tag", "since", "until"},
    COMMUNITIES: {"tag"},
    PEOPLE: {"council", "region", "tag"},
}
REGIONS = dict(Council.Region.choices)
SERVICE_AREAS = dict(ServiceArea.choices)


def kinds_for(viewer) -> tuple[str, ...]:
    """Visitors who are not signed in search the public practice library only."""
    if viewer.is_authenticated:
        return (PRACTICE, CONVERSATIONS, COMMUNITIES, PEOPLE)
    return (PRACTICE,)


@dataclass(frozen=True)
class Filters:
    community: str = ""  # slug
    council: str = ""  # slug
    region: str = ""
    service_area: str = ""
    tag: str = ""  # slug
    since: date | None = None
    until: date | None = None

    def chosen(self) -> set[str]:
        return {name for name in FILTERS_BY_KIND[PRACTICE] if getattr(self, name)}

    def fit(self, kind: str) -> bool:
        return self.chosen() <= FILTERS_BY_KIND[kind]

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as instants in the hub's time zone: from the start of `since` to the end of `until`
        (a plain range on the column, so its index serves it)."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.since, time.min, zone) if self.since else None
        end = None  # the last day of the calendar has no day after it: no upper bound
        if self.until and self.until < date.max:
            end = datetime.combine(self.until + timedelta(days=1), time.min, zone)
        return start, end


@dataclass
class Candidate:
    """One match, with what its facets count and what the page needs to rank it."""

    pk: int
    rank: float
    when: datetime | None
    community: tuple[str, str] | None = None  # (slug, name), only where the viewer may know it
    council: tuple[str, str] | None = None  # (slug, name)
    region: str = ""
    service_area: str = ""
    tag_key: int | None = None  # the row whose tags it carries (a post: its thread)
    tags: list[tuple[str, str]] = field(default_factory=list)
