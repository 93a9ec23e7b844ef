"""The library in the home feed (library.providers.feed): documents added and updated, guides written and
edited in the viewer's own communities, only while the viewer may read them, never their own doing, never
once removed; the statement (PostgreSQL) and the queryset (elsewhere) give the same rows; the home page's
queries do not grow with the documents."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.permissions import standing_annotations as permissions_standing
from communities.services.membership import membership_leave
from core.providers.feed import statement_rows
from khub.feed import activity_feed
from library.models import Document, Guide
from library.providers import feed as library_feed
from library.services.documents import document_add_version, document_remove
from profiles.models import User
from profiles.selectors import standing_annotations as profile_standing
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, MembershipFactory
from tests.khub.test_feed import FEED_QUERIES
from tests.library.guide_rows import guide, revise
from tests.library.helpers import document, pdf_bytes, upload_file

pytestmark = pytest.mark.django_db

KINDS = {"document_added", "document_updated", "guide_written", "guide_edited"}


def _library(viewer) -> list:
    return [item for item in activity_feed(viewer=viewer)[0] if item.kind in KINDS]


def _titles(viewer) -> list[str]:
    return [item.title for item in _library(viewer)]


@pytest.mark.parametrize(
    ("relation", "shown"),
    [
        ("member", True),
        ("facilitator", True),
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
        ("site_admin", False),  # reads everything, but the feed lists only their own communities' news
    ],
)
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_the_library_is_news_to_the_members_of_its_community_only(visibility, relation, shown):
    place = community(visibility)
    uploader = person_as("facilitator", place)
    document(uploader=uploader, community=place, title="Gritting business case")
    guide(author=uploader, community=place, title="Gritting guide")
    viewer = person_as(relation, place)
    assert sorted(_titles(viewer)) == (["Gritting business case", "Gritting guide"] if shown else [])


def test_the_items_say_who_did_what_where_with_the_type_and_size():
    place = community("private", name="Highways officers")
    uploader = person_as("facilitator", place, display_name="Priya Shah")
    editor = person_as("member", place, display_name="Sam Jones")
    added = document(uploader=uploader, community=place, title="Business case", description="Our **plan**.")
    Document.objects.filter(pk=added.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    written = guide(
        author=uploader, community=place, title="Gritting guide", at=timezone.now() - timedelta(hours=1)
    )
    revise(written, author=editor, body="Salt the **hills** first.")
    viewer = person_as("member", place)

    edited, new = _library(viewer)

    assert (edited.actor, edited.text, edited.where, edited.note) == (
        "Sam Jones", "edited a guide", "Highways officers", "revision 2",
    )  # fmt: skip
    assert str(edited.url) == written.get_absolute_url()
    assert edited.excerpt == "Salt the hills first."
    assert edited.label == "Guide"
    assert (new.actor, new.text, new.label) == ("Priya Shah", "added a document", "Document")
    assert new.note == f"PDF, {filesizeformat(added.size)}"
    assert str(new.url) == added.get_absolute_url()
    assert str(new.where_url) == place.get_absolute_url()
    assert new.excerpt == "Our **plan**."  # the description is plain text, shown as written


def test_a_new_version_is_an_update_by_whoever_uploaded_it_newest_first():
    place = community("open")
    uploader, updater = person_as("member", place), person_as("member", place, display_name="Sam Jones")
    made = document(uploader=uploader, community=place, title="Business case")
    document_add_version(user=updater, document=made, file=upload_file(pdf_bytes("v2")), note="Figures")
    (item,) = _library(person_as("member", place))
    assert (item.kind, item.actor, item.text) == ("document_updated", "Sam Jones", "updated a document")
    assert item.note.startswith("version 2 · PDF")
    assert _library(updater) == []  # their own version is not news to them
    assert _titles(uploader) == ["Business case"]


def test_their_own_uploads_and_edits_are_not_news_to_them():
    place = community("open")
    member = person_as("member", place)
    document(uploader=member, community=place)
    guide(author=member, community=place)
    assert _library(member) == []


def test_removed_documents_and_guides_leave_the_feed():
    place = community("open")
    facilitator = person_as("facilitator", place)
    made = document(uploader=facilitator, community=place, title="Business case")
    written = guide(author=facilitator, community=place, title="Gritting guide")
    viewer = person_as("member", place)
    assert len(_library(viewer)) == 2
    document_remove(user=facilitator, document=made, reason="Out of date")
    Guide.objects.filter(pk=written.pk).update(removed_at=timezone.now())
    assert _library(viewer) == []


def test_a_member_who_leaves_a_private_community_stops_seeing_its_library_at_once():
    place = community("private")
    document(uploader=person_as("facilitator", place), community=place, title="Members only")
    viewer = person_as("member", place)
    assert _titles(viewer) == ["Members only"]
    membership_leave(user=viewer, community=place)
    assert _titles(User.objects.get(pk=viewer.pk)) == []


def test_an_erased_uploader_shows_as_former_member():
    place = community("open")
    uploader = person_as("member", place, display_name="Priya Shah")
    document(uploader=uploader, community=place)
    user_erase(user=uploader)
    (item,) = _library(person_as("member", place))
    assert item.actor == "Former member"


def test_older_pages_carry_on_from_the_cursor():
    place = community("open")
    uploader = person_as("member", place)
    for number in range(5):
        if number % 2:
            made = guide(author=uploader, community=place, title=f"Item {number}")
            Guide.objects.filter(pk=made.pk).update(last_edited_at=timezone.now() - timedelta(hours=number))
        else:
            made = document(uploader=uploader, community=place, title=f"Item {number}")
            Document.objects.filter(pk=made.pk).update(updated_at=timezone.now() - timedelta(hours=number))
    viewer = person_as("member", place)

    first, cursor = activity_feed(viewer=viewer, limit=3)
    second, _ = activity_feed(viewer=viewer, before=cursor, limit=3)

    assert [item.title for item in first] == ["Item 0", "Item 1", "Item 2"]
    assert [item.title for item in second] == ["Item 3", "Item 4"]


def test_the_statement_and_the_queryset_give_the_same_rows_to_every_viewer(postgres_only):
    place, elsewhere = community("private"), community("open")
    for where in (place, elsewhere):
        uploader = person_as("facilitator", where)
        for number in range(3):
            made = document(uploader=uploader, community=where, title=f"{where.name} {number}")
            written = guide(author=uploader, community=where, title=f"{where.name} guide {number}")
        document_add_version(user=person_as("member", where), document=made, file=upload_file())
        revise(written, author=person_as("member", where), body="Changed")
    viewers = [
        person_as(relation, place) for relation in ("member", "outsider", "invited", "left", "facilitator")
    ]
    both = person_as("member", place)
    MembershipFactory(community=elsewhere, user=both)
    viewers += [both, AdminFactory(), place.created_by, Document.objects.first().uploaded_by]
    middle = Document.objects.order_by("updated_at")[3].updated_at
    standing = {**permissions_standing(), **profile_standing()}
    shown = 0
    for viewer in viewers:
        for user in (viewer, User.objects.annotate(**standing).get(pk=viewer.pk)):
            for before, rows in ((None, 21), (middle, 21), (None, 2)):
                values = library_feed.feed_params(user, before, rows)
                expected = list(library_feed._library_portable(user, before, rows))
                if not values["viewer_member_of"]:
                    assert expected == []
                    continue
                found = statement_rows(library_feed._library_statement(("viewer_member_of",)), values)
                assert found == expected, viewer.email
                shown += len(found)
    assert shown > 30


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def _uploads(place, count: int) -> None:
    uploader = person_as("facilitator", place)
    for number in range(count):
        made = document(uploader=uploader, community=place, title=f"Document {count}-{number}")
        if number % 3 == 0:
            document_add_version(user=uploader, document=made, file=upload_file())
        guide(author=uploader, community=place, title=f"Guide {count}-{number}")


def test_the_home_page_runs_the_same_queries_for_2_or_30_documents(client, django_assert_max_num_queries):
    place, other = community("private"), community("open")
    viewer = person_as("member", place)
    MembershipFactory(community=other, user=viewer)
    client.force_login(viewer)
    _uploads(place, 2)
    client.get(reverse("home"))
    small = _home_queries(client)
    _uploads(place, 30)
    _uploads(other, 30)
    _uploads(community("private"), 30)  # nobody's news here: never read
    assert _home_queries(client) == small
    with django_assert_max_num_queries(FEED_QUERIES):
        response = client.get(reverse("home"))
    assert len([item for item in response.context["feed"] if item.kind in KINDS]) == 20
    assert "added a document" in response.text or "updated a document" in response.text
