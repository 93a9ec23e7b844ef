from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Concat, Upper
from django.db.models.lookups import Contains
from taggit.models import Tag

from core.queries import WordSimilar, pk_among
from profiles.extensions import notices_available_q, notices_mark_available
from profiles.models import (
    Council,
    CouncilDomain,
    Dismissal,
    ExpertiseTag,
    Follow,
    InterestTag,
    Notification,
    User,
)
from profiles.permissions import on_the_hub, visible_people


def council_for_email(*, email: str) -> Council | None:
    """The council owning the address's domain or its nearest parent (hr.leeds.gov.uk -> leeds.gov.uk)."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    labels = domain.split(".")
    # Every suffix with at least two labels; one query, longest match wins.
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    matches = {
        row.domain: row.council
        for row in CouncilDomain.objects.filter(domain__in=candidates).select_related("council")
    }
    for candidate in candidates:
        if candidate in matches:
            return matches[candidate]
    return None


# User.public_name reads these: lists that name people fetch them and no more of the row.
PUBLIC_NAME_FIELDS = ("display_name", "erased_at")
# What a person's picture reads besides their name (core.avatars via profiles' {% avatar %} tag).
PERSON_FIELDS = (*PUBLIC_NAME_FIELDS, "handle", "avatar")


# Read with the request's user row on PostgreSQL (khub.auth), as communities.permissions reads the viewer's
# memberships: the feed then names the people and tags instead of asking in a subquery of each query.
FOLLOWED, INTERESTS = "standing_follows", "standing_interests"


def standing_annotations() -> dict:
    """Annotations for the request's user query: whom they follow and their interest tags (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    from django.contrib.postgres.expressions import ArraySubquery

    return {
        FOLLOWED: ArraySubquery(
            Follow.objects.filter(follower=OuterRef("pk")).order_by().values("followed_id")
        ),
        INTERESTS: ArraySubquery(
            InterestTag.objects.filter(content_object=OuterRef("pk")).order_by().values("tag_id")
        ),
    }


def standing_forget(*, user: User) -> None:
    """Drop the follows and interests read with this user object: the services that change them call it,
    so the rest of the same request sees the change."""
    for name in (FOLLOWED, INTERESTS):
        if hasattr(user, name):  # request.user is a lazy object: delattr reaches the user behind it
            delattr(user, name)


def followed_ids(viewer: User):
    """The people the viewer follows (ids, or a subquery of them): what the feed finds relevant, never what
    lets one read."""
    ids = getattr(viewer, FOLLOWED, None)
    return ids if ids is not None else Follow.objects.filter(follower=viewer).values("followed_id")


def interest_tag_ids(viewer: User):
    """The viewer's interest tags (ids, or a subquery of them)."""
    ids = getattr(viewer, INTERESTS, None)
    return ids if ids is not None else InterestTag.objects.filter(content_object=viewer).values("tag_id")


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    # A member only ever sees their own inbox. Newest first on the profiles_notif_inbox index; each line
    # names its actor, so the actor comes in the same query.
    return Notification.objects.filter(recipient=user).select_related("actor").order_by("-created_at", "-pk")


def notifications_checked(*, user: User, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """These of the member's notifications (a page: a slice of notifications_for_user), each with
    `available`: whether they may still read what it is about, asked of the owning app's permissions in the
    same query, whose permission subqueries look only among the page's targets: a fixed cost per page."""
    rows = Notification.objects.filter(recipient=user, pk__in=notifications.values("pk"))
    available = notices_available_q(user, rows)
    return rows.select_related("actor").annotate(available=_true_if(available)).order_by("-created_at", "-pk")


# The header says "99+" beyond this: counting more would re-check every line a member ever left unread.
UNREAD_COUNTED_MOST = 99


def unread_cache_key(user_id: int) -> str:
    return f"inbox-unread:{user_id}"


def _newest_unread(user: User) -> QuerySet[Notification]:
    """The ids of the member's newest unread lines that the header counts (at most UNREAD_COUNTED_MOST + 1),
    read in order from the partial index profiles_notif_unread_newest: a hundred entries, not a sort of
    every unread line."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at", "-pk")
    return unread.values("pk")[: UNREAD_COUNTED_MOST + 1]


def _unread_keep(user: User, count: int) -> int:
    seconds = settings.INBOX_UNREAD_KEPT_SECONDS
    if seconds:
        cache.set(unread_cache_key(user.pk), count, seconds)
    return count


# What an inbox line shows (templates/profiles/inbox/item.html) and what its check reads.
INBOX_LINE_FIELDS = (
    "kind",
    "text",
    "url",
    "created_at",
    "read_at",
    "target_type",
    "target_id",
    *(f"actor__{name}" for name in PERSON_FIELDS),
)


def _true_if(condition: Q) -> Case:
    return Case(When(condition, then=True), default=False, output_field=BooleanField())


def notifications_page_checked(*, user: User, page: QuerySet[Notification]) -> tuple[list[Notification], int]:
    """One page of the inbox (`page`: a slice of notifications_for_user), each line with `available` as
    notifications_checked gives it, and the unread count as notifications_unread_count(fresh=True) counts
    it (and keeps it for the header): the lines of the page and the newest unread ones fetched together by
    primary key (at most 25 + 100 rows, whatever the size of the hub or of the inbox), then every one of
    them checked at once by notices_mark_available: two queries, whose permission filters are built once
    and look up only those lines' targets."""
    # An empty inbox's page is an empty slice, which has no SQL to look up keys in.
    on_page = Q(pk__in=[]) if page.query.is_empty() else pk_among(page.values("pk"))
    newest = pk_among(_newest_unread(user))
    rows = (
        Notification.objects.filter(on_page | newest)  # both lists are of the member's own lines
        .select_related("actor")
        .only(*INBOX_LINE_FIELDS)  # up to 125 rows made into objects: no more of them than a line shows
        .annotate(
            on_page=_true_if(on_page),
            counted=_true_if(newest),
            target_label=Concat("target_type__app_label", Value("."), "target_type__model"),
        )
        .order_by("-created_at", "-pk")
    )
    rows = notices_mark_available(user, list(rows))
    unread = sum(1 for row in rows if row.counted and row.available)
    return [row for row in rows if row.on_page], _unread_keep(user, unread)


def notifications_unread_count(*, user: User, fresh: bool = False) -> int:
    """How many lines the inbox shows as new, up to UNREAD_COUNTED_MOST + 1 ("99+"): a notice about
    something no longer readable is not news (it shows as read). One COUNT over the newest unread lines
    (_newest_unread), each re-checked through its app's permission filter; kept in the cache between pages,
    since compiling that check costs more than running it. The inbox page counts with its lines instead
    (notifications_page_checked)."""
    # Kept settings.INBOX_UNREAD_KEPT_SECONDS between pages; profiles.services forgets it whenever a notice is
    # sent to the member or they mark one read, and the inbox page counts afresh.
    key, seconds = unread_cache_key(user.pk), settings.INBOX_UNREAD_KEPT_SECONDS
    if seconds and not fresh:
        kept = cache.get(key)
        if kept is not None:
            return kept
    rows = Notification.objects.filter(pk__in=_newest_unread(user))
    return _unread_keep(user, rows.filter(notices_available_q(user, rows)).count())


# --- People pages (directory, profiles, follower lists, councils) ------------------------------------
# Each list below runs a fixed number of queries whatever its length: one for the page of people with
# their council (select_related), one for all their expertise tags (prefetch_related), one COUNT for
# the paginator. tests/profiles/test_people_queries.py pins them.

TRIGRAM_THRESHOLD = 0.4  # pg_trgm word similarity from which a name counts as a match ("Priay" -> "Priya")


def name_matches(query: str) -> Q:
    """People whose name holds every word of the query ("priya shah": Priya Shah, not every Priya and
    every Shah), each word as part of the name ("pri" -> "Priya") or, on PostgreSQL, like a word of it
    ("Priay" -> "Priya": pg_trgm's word similarity, `%>`, of at least pg_trgm.word_similarity_threshold,
    which the settings set to TRIGRAM_THRESHOLD); or whose name holds the whole query ("a shah"). These are
    operators on UPPER(display_name), so the name's trigram index (migration 0004) answers them rather than
    every member being scored; a word of fewer than three letters has no trigram to look up a substring by,
    so on its own only its similarity counts."""
    if connection.vendor != "postgresql":
        return Q(*(Q(display_name__icontains=word) for word in query.split()))
    name = Upper("display_name")
    matches = Q()
    for word in query.split():
        like = Q(WordSimilar(name, Upper(Value(word))))
        if len(word) >= 3:
            like |= Q(Contains(name, Upper(Value(word))))
        matches &= like
    return matches | Q(Contains(name, Upper(Value(query))))


def _people_for_cards(people: QuerySet[User]) -> QuerySet[User]:
    # Cards show the council and three expertise tags.
    return people.select_related("council").prefetch_related("expertise")


def people_directory(
    *,
    viewer: User,
    query: str = "",
    council: str = "",
    region: str = "",
    expertise: str = "",
    sort: str = "name",
) -> QuerySet[User]:
    """Members on the hub matching the filters. `council` and `expertise` are slugs; sort: relevance,
    name or recent (relevance needs a query and PostgreSQL, and is name order otherwise)."""
    people = visible_people(viewer)
    if council:
        # The council's id as a value found first (an InitPlan), not a join: the (council, display_name)
        # index then reads that council's members in name order, a page at a time.
        council_id = Council.objects.filter(slug=council).order_by().values("pk")[:1]
        people = people.filter(council=Subquery(council_id))
    if region:
        people = people.filter(council__region=region)
    if expertise:
        # Exists, not a join: a join on the tag table would repeat a person once per matching row.
        people = people.filter(
            Exists(ExpertiseTag.objects.filter(content_object=OuterRef("pk"), tag__slug=expertise))
        )
    query = " ".join(query.split())
    order = ("-date_joined", "-pk") if sort == "recent" else ("display_name", "pk")
    if query:
        people = people.filter(name_matches(query))
    if query and sort == "relevance" and connection.vendor == "postgresql":
        # The whole query's word similarity, on the expression the matching compares.
        people = people.annotate(similarity=TrigramWordSimilarity(Upper(Value(query)), Upper("display_name")))
        order = ("-similarity", "display_name", "pk")
    return _people_for_cards(people).order_by(*order)


def person_for_profile(*, viewer: User, handle: str) -> User | None:
    """A member's profile with its tags, council, follow counts (User.follower_count and following_count,
    kept with every follow: not counted here) and whether the viewer follows them.

    None when there is no such member on the hub (deactivated and erased members included).
    """
    return (
        visible_people(viewer)
        .filter(handle=handle)
        .select_related("council")
        .prefetch_related("expertise", "interests")
        .annotate(viewer_follows=Exists(Follow.objects.filter(follower=viewer.pk, followed=OuterRef("pk"))))
        .first()
    )


def person_followers(*, viewer: User, person: User) -> QuerySet[User]:
    # Most recent follower first; (follower, followed) is unique, so the join repeats no one. As many as
    # person.follower_count: the page takes its count from there.
    people = visible_people(viewer).filter(following_links__followed=person)
    return _people_for_cards(people).order_by("-following_links__created_at", "-pk")


def person_following(*, viewer: User, person: User) -> QuerySet[User]:
    # As many as person.following_count.
    people = visible_people(viewer).filter(follower_links__follower=person)
    return _people_for_cards(people).order_by("-follower_links__created_at", "-pk")


def councils_directory(*, viewer: User) -> QuerySet[Council]:
    # member_count is kept as members join, leave, are deactivated or erased (profiles.receivers): the page
    # reads 20 rows in name order whatever the number of people.
    return Council.objects.order_by("name", "pk")


def people_on_hub_count() -> int:
    """How many members are on the hub: what the unfiltered directory counts, from the councils' kept
    counts and the members of no council (the council index's NULL entries), not a scan of every member."""
    in_councils = Council.objects.annotate(n=Window(Sum("member_count"))).values("n")[:1]
    without = User.objects.filter(on_the_hub(), council__isnull=True)
    return without.aggregate(n=Count("pk") + Coalesce(Subquery(in_councils), 0))["n"]


def council_filter_choices() -> list[tuple[str, str]]:
    return list(Council.objects.order_by("name").values_list("slug", "name"))


EXPERTISE_CHOICES_KEY = "people-expertise-choices"


def expertise_filter_choices(*, viewer: User) -> list[tuple[str, str]]:
    """Expertise tags that at least one member on the hub holds, for the directory's filter: the same for
    every viewer, so kept in the cache for settings.EXPERTISE_CHOICES_KEPT_SECONDS (looking for a holder of
    each tag costs a few index probes per tag: tens of milliseconds for a national hub's tags)."""
    seconds = settings.EXPERTISE_CHOICES_KEPT_SECONDS
    if seconds:
        kept = cache.get(EXPERTISE_CHOICES_KEY)
        if kept is not None:
            return [tuple(choice) for choice in kept]
    holders = ExpertiseTag.objects.filter(tag=OuterRef("pk")).filter(on_the_hub("content_object__"))
    choices = list(Tag.objects.filter(Exists(holders)).order_by("name").values_list("slug", "name"))
    if seconds:
        cache.set(EXPERTISE_CHOICES_KEY, choices, seconds)
    return choices


# --- People you may want to know (the home page's side column) -------------------------------------------
PEOPLE_TO_KNOW = 5
PEOPLE_WINDOW = 50  # candidates looked at from each signal: the strongest of each, whatever the hub holds


@dataclass(frozen=True)
class PersonToKnow:
    person: User  # with council selected and PERSON_FIELDS
    reasons: tuple[str, ...]  # in words, strongest first


def people_to_know_key(user_id: int) -> str:
    return f"home:people:{user_id}"


def people_to_know_forget(*, user_id: int) -> None:
    """The member's kept suggestions are worked out afresh on their next visit (a dismissal)."""
    cache.delete(people_to_know_key(user_id))


def people_to_know(viewer: User, limit: int = PEOPLE_TO_KNOW) -> list[PersonToKnow]:
    """People on the hub the member may want to know, each with its reasons in words: those who work on the
    subjects of the member's expertise and interests, at their council, in their council's region, and
    those whom the people they follow follow. Never themselves, anyone they follow or dismissed, or anyone
    not on the hub. Ranked once per settings.SUGGESTIONS_KEPT_SECONDS (ids and reasons, twice as many as
    shown; dismissing forgets them); every view then reads the people by id, less those followed since
    (read with the user row), in one query."""
    if not (viewer.is_authenticated and viewer.is_active):
        return []
    seconds = settings.SUGGESTIONS_KEPT_SECONDS
    ranked = cache.get(people_to_know_key(viewer.pk)) if seconds else None
    followed = _ids(followed_ids(viewer))
    if ranked is None:
        ranked = _people_ranked(viewer, followed, limit * 2 if seconds else limit)
        if seconds:
            cache.set(people_to_know_key(viewer.pk), ranked, seconds)
    followed = set(followed)
    reasons = {pk: why for pk, why in ranked if pk not in followed}
    if not reasons:
        return []
    dismissed = Dismissal.objects.filter(user=viewer, kind=Dismissal.Kind.PERSON).values("object_id")
    people = {
        person.pk: person
        for person in visible_people(viewer)
        .filter(pk__in=list(reasons))
        .exclude(pk__in=dismissed)  # the profiles_dismissal_once index: (user, kind, object_id)
        .select_related("council")  # each card names their council
        .only(*PERSON_FIELDS, "council__name")
    }
    shown = [PersonToKnow(people[pk], tuple(why)) for pk, why in reasons.items() if pk in people]
    return shown[:limit]


def _ids(ids) -> list[int]:
    return ids if isinstance(ids, list) else list(ids.values_list("followed_id", flat=True))


def _people_ranked(viewer: User, followed: list[int], limit: int) -> list[tuple[int, list[str]]]:
    """(person id, reasons) of the best `limit` candidates, best first: at most three queries (shared
    subjects, follows, council and region; and the member's council unless read already), each bounded by
    PEOPLE_WINDOW, whatever the hub holds."""
    scores: dict[int, float] = {}
    reasons: dict[int, list[tuple[float, str]]] = {}

    def add(pk: int, weight: float, reason: str) -> None:
        scores[pk] = scores.get(pk, 0) + weight
        reasons.setdefault(pk, []).append((weight, reason))

    # Shared subjects: people whose expertise is among the member's expertise and interests (one query: the
    # PEOPLE_WINDOW people sharing the most, each shared tag a row with its name and whether it is also the
    # member's expertise).
    own_expertise = ExpertiseTag.objects.filter(content_object=viewer).values("tag_id")
    interests = interest_tag_ids(viewer)
    subjects = Q(tag_id__in=own_expertise) | Q(tag_id__in=interests)
    best = (
        ExpertiseTag.objects.filter(subjects, content_object__is_active=True)
        .exclude(content_object=viewer)
        .values("content_object_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-content_object_id")
        .values("content_object_id")[:PEOPLE_WINDOW]
    )
    rows = (
        ExpertiseTag.objects.filter(subjects, content_object_id__in=best)
        .annotate(also=Exists(own_expertise.filter(tag_id=OuterRef("tag_id"))))
        .values_list("content_object_id", "tag__name", "also")
    )
    held: dict[int, list[tuple[str, bool]]] = {}
    for pk, name, also in rows:
        held.setdefault(pk, []).append((name, also))
    for pk, tags in held.items():
        ours = sorted(name for name, also in tags if also)
        theirs = sorted(name for name, _also in tags)
        reason = (
            f"also works on {', '.join(ours)}" if ours else f"works on {', '.join(theirs)}, your interest"
        )
        add(pk, 3 * len(tags), reason)
    # The people followed by those the member follows.
    if followed:
        rows = (
            Follow.objects.filter(follower_id__in=followed)
            .exclude(followed_id=viewer.pk)
            .exclude(followed_id__in=followed)
            .values("followed_id")
            .annotate(by=Count("pk"))
            .order_by("-by", "followed_id")
            .values_list("followed_id", "by")[:PEOPLE_WINDOW]
        )
        for pk, by in rows:
            add(pk, 2 * min(by, 3), f"followed by {by} {'person' if by == 1 else 'people'} you follow")
    # The member's council, then its region: the most followed first.
    council = viewer.council if viewer.council_id else None
    if council is not None:
        rows = (
            User.objects.filter(on_the_hub(), council__region=council.region)
            .exclude(pk=viewer.pk)
            .annotate(here=Case(When(council_id=council.pk, then=Value(1)), default=Value(0)))
            .order_by("-here", "-follower_count", "pk")
            .values_list("pk", "here")[:PEOPLE_WINDOW]
        )
        region = council.get_region_display()
        for pk, here in rows:
            add(pk, 2, "at your council") if here else add(pk, 1, f"also in {region}")
    for pk in followed:  # whom the member follows already: known (their council's, their subjects' ...)
        scores.pop(pk, None)
    best_first = sorted(scores, key=lambda pk: (-scores[pk], pk))[:limit]
    return [(pk, [why for _w, why in sorted(reasons[pk], key=lambda r: -r[0])]) for pk in best_first]
