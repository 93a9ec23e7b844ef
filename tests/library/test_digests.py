"""The library in activity digests (library.providers.digests): "New in the library" lists the documents
added or updated and the guides written or edited in the member's own communities since their last digest;
never one they may not read, never their own doing, never once removed; the builder's queries do not grow
with the members or the changes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.services.membership import membership_leave, memberships_digest_set
from khub.digests.content import digests_build
from khub.digests.delivery import deliver_chunk, period_for, with_history
from khub.models import DigestDelivery
from library.models import Document, Guide
from library.services.documents import document_add_version, document_remove
from profiles.models import User
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory, UserFactory
from tests.khub.test_digests import BUILD_QUERIES
from tests.library.guide_rows import guide, revise
from tests.library.helpers import document, upload_file

pytestmark = pytest.mark.django_db

DAILY = DigestDelivery.Frequency.DAILY


def _reader(relation: str, place, **fields) -> User:
    return person_as(relation, place, digest_frequency=DAILY, **fields)


def _digest(person: User, now=None) -> DigestDelivery:
    now = now or timezone.now()
    period = period_for(frequency=DAILY, moment=now)
    deliver_chunk(frequency=DAILY, period=period, user_ids=[person.pk], now=now)
    return DigestDelivery.objects.get(user=person, frequency=DAILY, period=period)


def _items(delivery: DigestDelivery) -> list[dict]:
    return [item for part in delivery.sections if part["name"] == "library" for item in part["items"]]


def _titles(delivery: DigestDelivery) -> set[str]:
    return {item["title"] for item in _items(delivery)}


@pytest.mark.parametrize(
    ("relation", "listed"),
    [
        ("member", True),
        ("facilitator", True),
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
    ],
)
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_the_library_reaches_the_members_of_its_community_only(visibility, relation, listed):
    place = community(visibility)
    reader = _reader(relation, place)
    uploader = person_as("facilitator", place)
    document(uploader=uploader, community=place, title="Gritting business case")
    guide(author=uploader, community=place, title="Gritting guide")

    delivery = _digest(reader)

    assert _titles(delivery) == ({"Gritting business case", "Gritting guide"} if listed else set())
    if not listed:
        assert "Gritting" not in str(delivery.sections) + delivery.subject


def test_an_item_says_what_changed_where_and_who_did_it():
    place = community("private", name="Highways officers")
    reader = _reader("member", place)
    uploader = person_as("facilitator", place, display_name="Priya Shah")
    made = document(uploader=uploader, community=place, title="Business case")
    written = guide(author=uploader, community=place, title="Gritting guide")
    revise(written, author=person_as("member", place, display_name="Sam Jones"), body="Salt first.")

    delivery = _digest(reader)

    (section,) = delivery.sections
    assert section["heading"] == "New in the library"
    assert delivery.subject == "Your daily digest: 2 library updates"
    by_title = {item["title"]: item for item in section["items"]}
    assert by_title["Business case"]["path"] == made.get_absolute_url()
    assert by_title["Business case"]["where"] == "Highways officers"
    assert by_title["Business case"]["where_path"] == place.get_absolute_url()
    assert by_title["Business case"]["detail"].startswith("PDF, ")
    assert by_title["Business case"]["detail"].endswith("· Added by Priya Shah")
    assert by_title["Gritting guide"]["path"] == written.get_absolute_url()
    assert by_title["Gritting guide"]["detail"] == "Guide · Edited by Sam Jones"


def test_their_own_doing_a_removed_document_and_a_muted_community_are_not_listed():
    place, quiet = community("open"), community("open")
    reader = _reader("facilitator", place)
    MembershipFactory(community=quiet, user=reader)
    memberships_digest_set(user=reader, included_ids=[place.pk])
    document(uploader=reader, community=place, title="Their own")
    guide(author=reader, community=place, title="Their own guide")
    removed = document(uploader=person_as("member", place), community=place, title="Removed")
    document_remove(user=reader, document=removed, reason="Out of date")
    gone = guide(author=person_as("member", place), community=place, title="Removed guide")
    Guide.objects.filter(pk=gone.pk).update(removed_at=timezone.now())
    document(uploader=person_as("member", quiet), community=quiet, title="Muted")

    assert _titles(_digest(reader)) == set()


def test_a_new_version_is_listed_again_once():
    place = community("open")
    reader = _reader("member", place)
    made = document(uploader=person_as("member", place), community=place, title="Business case")
    assert _titles(_digest(reader)) == {"Business case"}
    assert _titles(_digest(reader, now=timezone.now() + timedelta(days=1))) == set()

    later = timezone.now() + timedelta(days=1, hours=1)
    document_add_version(user=person_as("member", place), document=made, file=upload_file())
    Document.objects.filter(pk=made.pk).update(updated_at=later)
    (item,) = _items(_digest(reader, now=timezone.now() + timedelta(days=2)))
    assert "Version 2 uploaded by" in item["detail"]


def test_the_browser_page_withholds_what_the_member_may_no_longer_read(client):
    place = community("private")
    reader = _reader("member", place)
    document(uploader=person_as("facilitator", place), community=place, title="Members only")
    guide(author=person_as("facilitator", place), community=place, title="Members guide")
    delivery = _digest(reader)
    assert delivery.state == DigestDelivery.State.SENT
    membership_leave(user=reader, community=place)

    client.force_login(reader)
    response = client.get(reverse("digest", kwargs={"delivery_id": delivery.pk}))

    assert "Members only" not in response.text
    assert "Members guide" not in response.text
    assert "2 items from this digest are no longer available to you" in response.text


def _crowd(members: int, changes: int) -> list[User]:
    """Members in two of three communities (open, private, private), each with `changes` new documents and
    as many guides."""
    places = [community(visibility) for visibility in ("open", "private", "private")]
    people = [UserFactory(digest_frequency=DAILY) for _ in range(members)]
    User.objects.filter(pk__in=[person.pk for person in people]).update(
        date_joined=timezone.now() - timedelta(days=2)
    )
    for number, person in enumerate(people):
        for step in range(2):
            MembershipFactory(community=places[(number + step) % 3], user=person)
    for place in places:
        uploader = person_as("facilitator", place)
        for number in range(changes):
            document(uploader=uploader, community=place, title=f"Document {number}")
            guide(author=uploader, community=place, title=f"Guide {number}")
    return people


def _build(people):
    users = list(with_history(User.objects.filter(pk__in=[person.pk for person in people]).order_by("pk")))
    with CaptureQueriesContext(connection) as queries:
        digests = digests_build(users=users, frequency=DAILY, until=timezone.now())
    return digests, len(queries)


def test_the_builder_runs_the_same_queries_for_2_or_30_changes_and_1_or_20_members(
    django_assert_max_num_queries,
):
    few = _crowd(1, 2)
    _, small = _build(few)
    many = _crowd(20, 15)
    with django_assert_max_num_queries(BUILD_QUERIES):
        digests, large = _build(many)
    assert large == small
    sections = {section["name"]: section for section in digests[many[0].pk].sections}
    assert sections["library"]["more"] + len(sections["library"]["items"]) == 60
