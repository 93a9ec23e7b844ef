"""What a member's activity digest holds: each app registers, for its kinds, a provider that fills some of
a digest's sections; khub.digests builds the digests of a chunk of members from them, in section order, and
never names a kind.

A provider works on a whole chunk of members at once, so that the number of queries does not grow with it:

    collect(chunk)                           the candidate rows for every member of the chunk, in a fixed
                                             number of queries (bounded: the newest win), filed by what
                                             makes one a member's (its community, its tags: `Candidates`)
    pick(digest, chunk, collected, fresh)    one member's items, section by section, chosen from the rows
                                             filed under the member's communities and interests (not from
                                             every member's) with the permission modules' single-object
                                             checks, fed what collect fetched: no queries
    still_readable(user, items)              which items of a built digest (from the provider's own sections)
                                             the member may read now: a retried send, "view in browser"

Rows that more than one provider needs (the members' memberships: which communities each digest covers)
are fetched once per chunk with `chunk.shared()` by whichever provider asks first.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.utils.text import Truncator

T = TypeVar("T")


@dataclass(frozen=True)
class DigestSection:
    name: str  # stored with a built digest: how its items find their provider again ("new")
    heading: str  # "New conversations"
    one: str  # counted in the subject and the summary: "1 new conversation"
    many: str  # "3 new conversations"
    order: int  # sections come lowest first, whichever app registered them


@dataclass
class Digest:
    """One member's digest: what happened in their window (after `since`, up to `until`)."""

    user: Any
    since: datetime
    until: datetime
    sections: list[dict] = field(default_factory=list)  # khub.digests fills them from the providers' picks

    def covers(self, moment: datetime) -> bool:
        return self.since < moment <= self.until

    @property
    def item_keys(self) -> list[str]:
        return [item["key"] for section in self.sections for item in section["items"]]

    @property
    def is_empty(self) -> bool:
        return not self.sections


@dataclass
class DigestChunk:
    """The members whose digests are built together, and the span that covers all of their windows."""

    users: list
    start: datetime  # the earliest window's start: what collect fetches spans every member's window
    until: datetime
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)
    _paths: dict[tuple, str] = field(default_factory=dict, repr=False)
    _once: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @property
    def user_ids(self) -> list[int]:
        return [user.pk for user in self.users]

    def window(self, field_name: str) -> dict[str, datetime]:
        """Filter arguments for rows whose `field_name` falls in some member's window."""
        return {f"{field_name}__gt": self.start, f"{field_name}__lte": self.until}

    def path(self, obj) -> str:
        """obj.get_absolute_url(), reversed once per chunk rather than once per member who is shown it."""
        key = (type(obj), obj.pk)
        if key not in self._paths:
            self._paths[key] = obj.get_absolute_url()
        return self._paths[key]

    def once(self, key: Hashable, make: Callable[[], T]) -> T:
        """What is the same in every member's digest that shows it (an item, made by digest_item), made once
        per chunk and shared by those digests: nothing may change it afterwards."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    def shared(self, name: str, fetch: Callable[[], T]) -> T:
        """Rows more than one provider needs, fetched by the first that asks and kept for the others."""
        if name not in self._shared:
            self._shared[name] = fetch()
        return self._shared[name]


class Candidates(Generic[T]):
    """A chunk's candidates for a section, in the order collect fetched them (the newest first), filed under
    what makes one a member's: its community, its tags. A member's pick reads the rows filed under their own
    communities and interests rather than every member's, in the same order, so what it picks is what it
    would pick from all of them: a row filed under none of the member's keys is one they are not shown."""

    def __init__(self, rows: Iterable[T], keys: Callable[[T], Iterable[Hashable]]):
        self.rows: list[T] = list(rows)
        self._filed: dict[Hashable, list[int]] = defaultdict(list)
        for position, row in enumerate(self.rows):
            for key in keys(row):
                self._filed[key].append(position)

    def under(self, keys: Iterable[Hashable]) -> list[T]:
        """The rows filed under any of these keys, once each, in the chunk's order."""
        positions: set[int] = set()
        for key in keys:
            positions.update(self._filed.get(key, ()))
        return [self.rows[position] for position in sorted(positions)]


def digest_item(
    *,
    key: str,
    title: str,
    path: str,
    when: datetime,
    where: str = "",
    where_path: str = "",
    detail: str = "",
    **refs,
) -> dict:
    """One line of a digest as it is stored on the delivery (JSON) and shown in the email and on its page.

    `key` names it among what the member's last digest listed (it is not listed again); `refs` are the ids
    its provider re-checks it by in still_readable."""
    return {
        "key": key,
        "title": Truncator(title).chars(200),
        "path": path,
        "when": when.isoformat(),
        "where": where,
        "where_path": where_path,
        "detail": detail,
        **refs,
    }


# (chunk) -> whatever the provider's pick reads: the candidates for all the chunk's members.
Collect = Callable[[DigestChunk], Any]
# (digest, chunk, collected, fresh) -> {section name: the member's items, in the order shown}; fresh(key) is
# False for what the member's last digest listed.
Pick = Callable[[Digest, DigestChunk, Any, Callable[[str], bool]], dict[str, list[dict]]]
# (user, items) -> the keys of the items the member may still read, in a fixed number of queries.
StillReadable = Callable[[Any, list[dict]], set[str]]


@dataclass(frozen=True)
class DigestProvider:
    sections: tuple[DigestSection, ...]
    collect: Collect
    pick: Pick
    still_readable: StillReadable


@dataclass(frozen=True)
class DigestScope:
    """Something each member chooses to leave out of their digest (their communities, muted): a field of
    the notification settings page, named `name`, offered when the member has options."""

    name: str
    label: str
    help_text: str
    invalid_choice: str  # the error for a value that is not one of the member's options
    # (user) -> [(id, label, included now)] in the order shown, in one query.
    options: Callable[[Any], list[tuple[int, str, bool]]]
    # (user=, included_ids=) -> None: the options not in included_ids are left out of their digest.
    save: Callable[..., Any]


_providers: list[DigestProvider] = []
_scopes: list[DigestScope] = []


def register_digest_provider(provider: DigestProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def digest_providers() -> list[DigestProvider]:
    return list(_providers)


def digest_sections() -> list[tuple[DigestSection, DigestProvider]]:
    """Every registered section with its provider, in the order a digest shows them."""
    pairs = [(section, provider) for provider in _providers for section in provider.sections]
    return sorted(pairs, key=lambda pair: pair[0].order)


def register_digest_scope(scope: DigestScope) -> None:
    if scope not in _scopes:
        _scopes.append(scope)


def digest_scopes() -> list[DigestScope]:
    return list(_scopes)
