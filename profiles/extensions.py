"""How the apps above profiles add to a person's pages and records without profiles importing them.

Imports point one way (practice -> communities -> profiles), yet a profile page lists a member's
communities, the data export covers every app's records and account erasure must reach them too. Each
app registers its part here from its AppConfig.ready(); profiles calls whatever is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Q, QuerySet, Value
from django.http import HttpRequest

from core.queries import pk_among


@dataclass(frozen=True)
class ProfileSection:
    """A block on /people/<handle>/ or /councils/<slug>/: a heading, a template and its context.

    Order is registration order. The template is rendered with the page's context plus `section` and the
    keys of `context`.
    """

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Contribution:
    """One thing a member wrote (a thread, a post, a story), for "Recent contributions" on their profile."""

    kind: str  # "Conversation", "Reply", "Story", ...
    title: str
    url: str
    created_at: Any  # an aware datetime: the profile merges every app's contributions newest first
    where: str = ""  # the community or library it lives in


# (viewer, person, limit) -> at most `limit` of the person's newest contributions that the VIEWER may
# read, filtered in SQL through the app's permissions, with a fixed number of queries.
ContributionsProvider = Callable[[Any, Any, int], list[Contribution]]
# (viewer, person) -> a section, or None to show nothing. Must be filtered to what the viewer may see
# and run a fixed number of queries: the profile page's query count is pinned.
ProfileSectionProvider = Callable[[Any, Any], ProfileSection | None]
# (viewer, council) -> a section on /councils/<slug>/ ("what it shared and what it repeated", once practice
# lands), or None. The same rules as profile sections: filtered to the viewer, a fixed number of queries.
CouncilSectionProvider = Callable[[Any, Any], ProfileSection | None]
# user -> JSON-serialisable records of that member, under the exporter's name.
PersonalDataExporter = Callable[[Any], Any]
# user -> None: remove or anonymise the app's personal data of that member, inside the erasure transaction.
ErasureHandler = Callable[[Any], None]

_profile_sections: list[ProfileSectionProvider] = []
_council_sections: list[CouncilSectionProvider] = []
_exporters: dict[str, PersonalDataExporter] = {}
_erasure_handlers: list[ErasureHandler] = []
_contributions: list[ContributionsProvider] = []
# recipient -> the objects of one model that the recipient may still read as the subject of a notice: the
# owning app's permission filter (a queryset). Keyed by the target model's "app_label.model", with the
# kinds of notice about such an object that stay readable whatever it is now (a member told they were
# removed from a community still reads why). The inbox page, the header's unread count, the data export and
# the emails all ask through notices_available_q, so a notice about a thread since moved into a private
# community, a hidden post or a story whose audience narrowed names nothing.
NoticeSubjects = Callable[[Any], QuerySet]
_notice_subjects: dict[str, tuple[NoticeSubjects, tuple[str, ...]]] = {}
# notification -> whether its email should still go (muted since, ...), asked after notices_available_q.
# Keyed by kind prefix.
NoticeCheck = Callable[[Any], bool]
_notice_checks: dict[str, NoticeCheck] = {}
NO_LONGER_AVAILABLE = "This is no longer available to you"


def register_notice_subjects(model_label: str, readable: NoticeSubjects, *, always_kinds=()) -> None:
    _notice_subjects[model_label.lower()] = (readable, tuple(always_kinds))


def register_notice_check(kind_prefix: str, check: NoticeCheck) -> None:
    _notice_checks[kind_prefix] = check


def notices_available_q(user, among: QuerySet) -> Q:
    """Which of `among` (some of `user`'s notifications: a page, the newest unread, one) they may still
    read: those about nothing, about a kind of object no app registered, or about an object its app's
    filter still gives them. Each filter is asked about the targets of `among` only, a bounded set of
    primary keys, so the cost is that of the page, never of everything the member may read."""
    available = Q(target_type__isnull=True)
    registered = Q()
    # Every target of `among`, whatever its model: a few primary keys each filter looks up by its index.
    targets = among.order_by().values("target_id")
    for label, (readable, always_kinds) in _notice_subjects.items():
        app_label, model = label.split(".")
        is_about = Q(target_type__app_label=app_label, target_type__model=model)
        subjects = readable(user).filter(pk_among(targets)).values("pk")
        available |= is_about & (Q(kind__in=always_kinds) | Q(target_id__in=subjects))
        registered |= is_about
    return available | ~registered if registered else Q()


def notices_mark_available(user, notifications: list) -> list:
    """Sets `available` on each of these notifications of `user` (fetched with their target_type, or with
    its "app_label.model" annotated as `target_label`) as
    notices_available_q decides it, in at most one query: each registered filter is asked about the
    primary keys of its model's targets among them, written into the query (a page's worth: a few index
    probes each), all filters in one UNION ALL. Cheaper to build than notices_available_q, whose filters
    each nest the query of the notifications themselves; none at all when no line names a registered kind
    of object. Returns the list."""
    wanted: dict[str, set[int]] = {}
    for notification in notifications:
        label = _target_label(notification)
        if label in _notice_subjects and notification.kind not in _notice_subjects[label][1]:
            wanted.setdefault(label, set()).add(notification.target_id)
    parts = [
        _notice_subjects[label][0](user)
        .filter(pk__in=sorted(pk for pk in keys if pk is not None))
        .order_by()
        .annotate(notice_model=Value(label, output_field=CharField()))
        .values_list("pk", "notice_model")
        for label, keys in wanted.items()
    ]
    found = set(parts[0].union(*parts[1:], all=True)) if parts else set()
    for notification in notifications:
        label = _target_label(notification)
        notification.available = (
            label is None
            or label not in _notice_subjects
            or notification.kind in _notice_subjects[label][1]
            or (notification.target_id, label) in found
        )
    return notifications


def _target_label(notification) -> str | None:
    """The "app_label.model" of what the notification is about (`target_label` when the query annotated
    it, else from its target_type), or None when it is about nothing."""
    if notification.target_type_id is None:
        return None
    label = getattr(notification, "target_label", None)
    if label is None:
        kind = notification.target_type
        label = f"{kind.app_label}.{kind.model}"
    return label


def notice_still_visible(notification) -> bool:
    """Whether a notice's email should still go: its recipient may still read what it is about (the same
    filter as the inbox) and the registered check of the app that sent it agrees."""
    from profiles.models import Notification

    this = Notification.objects.filter(pk=notification.pk)
    if not this.filter(notices_available_q(notification.recipient, this)).exists():
        return False
    for prefix, check in _notice_checks.items():
        if notification.kind.startswith(prefix):
            return check(notification)
    return True


def register_contributions(provider: ContributionsProvider) -> ContributionsProvider:
    if provider not in _contributions:
        _contributions.append(provider)
    return provider


def recent_contributions(*, viewer, person, limit: int = 10) -> list[Contribution]:
    """The person's newest contributions across every app, newest first, as the viewer may see them."""
    found = [item for provider in _contributions for item in provider(viewer, person, limit)]
    return sorted(found, key=lambda item: item.created_at, reverse=True)[:limit]


def register_profile_section(provider: ProfileSectionProvider) -> ProfileSectionProvider:
    if provider not in _profile_sections:
        _profile_sections.append(provider)
    return provider


def register_council_section(provider: CouncilSectionProvider) -> CouncilSectionProvider:
    if provider not in _council_sections:
        _council_sections.append(provider)
    return provider


def register_personal_data(name: str, exporter: PersonalDataExporter) -> None:
    _exporters[name] = exporter


def register_erasure(handler: ErasureHandler) -> ErasureHandler:
    if handler not in _erasure_handlers:
        _erasure_handlers.append(handler)
    return handler


def profile_sections(*, viewer, person, request: HttpRequest | None = None) -> list[ProfileSection]:
    sections = (provider(viewer, person) for provider in _profile_sections)
    return [section for section in sections if section is not None]


def council_sections(*, viewer, council) -> list[ProfileSection]:
    sections = (provider(viewer, council) for provider in _council_sections)
    return [section for section in sections if section is not None]


def personal_data_exporters() -> dict[str, PersonalDataExporter]:
    return dict(_exporters)


def erasure_handlers() -> list[ErasureHandler]:
    return list(_erasure_handlers)
