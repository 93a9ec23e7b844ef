"""Library documents attached to conversations and practice stories (core.providers.attachments, the library's
block, library:attach and library:detach): the thread's author and the community's facilitators, and the
story's authors, pick a document from a library they may read or upload a new one into the target's
community library; the pages show each attachment as a link with its type and size, or as "Document not
available to you" without its title where the viewer may not read it (a private library, a removed
document); every role gets what it may; bad input changes nothing; the pages run one query more for their
attachments, however many."""

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Community, HubSettings
from communities.services.conversations import thread_create
from library.models import Attachment, Document
from library.services.attachments import MAX_ATTACHMENTS, attachment_add
from library.services.documents import document_remove
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory
from tests.library.helpers import document, upload_file
from tests.practice.helpers import author_in, published_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _thread(place, author=None, title="Temporary accommodation costs"):
    author = author or person_as("member", place)
    return thread_create(author=author, community=place, title=title, body="How?")


def _attach_url(target: str, pk: int) -> str:
    return reverse("library:attach", kwargs={"target": target, "target_id": pk})


def _get(client, viewer, url, **params):
    client.force_login(viewer)
    return client.get(url, params)


# --- Shown on the pages ------------------------------------------------------------------------------------
def test_the_thread_page_shows_an_attachment_with_its_type_and_size(client):
    place = community("open")
    thread = _thread(place)
    made = document(uploader=thread.author, community=place, title="Business case")
    attachment_add(user=thread.author, target="conversation", obj=thread, document=made)

    response = _get(client, person_as("outsider", place), thread.get_absolute_url())

    assert made.get_absolute_url() in response.text
    assert "Business case" in response.text
    assert f"PDF, {filesizeformat(made.size)}" in response.text
    assert "Attach a document" not in response.text  # not theirs to change
    assert "Document not available to you" not in response.text


@pytest.mark.parametrize(
    ("relation", "readable"),
    [("member", True), ("facilitator", True), ("site_admin", True), ("outsider", False), ("left", False)],
)
def test_a_document_from_a_private_library_shows_as_not_available_to_those_who_may_not_read_it(
    client, relation, readable
):
    open_place, private = community("open"), community("private", name="Secret roads")
    author = person_as("facilitator", private)
    MembershipFactory(community=open_place, user=author)
    thread = _thread(open_place, author=author)
    made = document(uploader=author, community=private, title="Confidential budget")
    attachment_add(user=author, target="conversation", obj=thread, document=made)

    response = _get(client, person_as(relation, private), thread.get_absolute_url())

    assert ("Confidential budget" in response.text) is readable
    assert (made.get_absolute_url() in response.text) is readable
    assert ("Document not available to you" in response.text) is not readable
    assert "Secret roads" not in response.text or readable


def test_a_removed_document_shows_as_not_available_to_everyone(client):
    place = community("open")
    thread = _thread(place)
    made = document(uploader=thread.author, community=place, title="Old plan")
    attachment_add(user=thread.author, target="conversation", obj=thread, document=made)
    document_remove(user=person_as("facilitator", place), document=made, reason="Out of date")

    for viewer in (thread.author, person_as("site_admin", place)):
        response = _get(client, viewer, thread.get_absolute_url())
        assert "Old plan" not in response.text
        assert "Document not available to you" in response.text


def test_a_public_storys_visitors_see_its_attachments_as_not_available(client):
    story = published_story(audience="public", title="Missed bins")
    made = document(uploader=story.author, community=story.community, title="Crew rota")
    attachment_add(user=story.author, target="story", obj=story, document=made)

    visitor = client.get(story.get_absolute_url())
    assert visitor.status_code == 200
    assert "Crew rota" not in visitor.text
    assert "Document not available to you" in visitor.text

    reader = _get(client, person_as("outsider", story.community), story.get_absolute_url())
    assert "Crew rota" in reader.text
    assert "Attach a document" not in reader.text
    own = _get(client, story.author, story.get_absolute_url())
    assert _attach_url("story", story.pk) in own.text


@pytest.mark.parametrize(
    ("relation", "link"),
    [("author", True), ("facilitator", True), ("site_admin", True), ("member", False), ("outsider", False)],
)
def test_the_attach_link_shows_to_those_who_may_change_the_conversation(client, relation, link):
    place = community("open")
    thread = _thread(place)
    viewer = thread.author if relation == "author" else person_as(relation, place)
    response = _get(client, viewer, thread.get_absolute_url())
    assert (_attach_url("conversation", thread.pk) in response.text) is link
    assert ("Attached documents" in response.text) is link  # nothing attached: no block for readers


# --- Who may attach -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("relation", "status"),
    [
        ("outsider", 404),
        ("invited", 403),  # the community exists for them (communities.permissions.check_read)
        ("left", 404),
        ("member", 403),
        ("author", 200),
        ("facilitator", 200),
        ("site_admin", 200),
    ],
)
def test_the_attach_page_of_a_private_conversation_per_role(client, relation, status):
    place = community("private")
    thread = _thread(place)
    viewer = thread.author if relation == "author" else person_as(relation, place)
    response = _get(client, viewer, _attach_url("conversation", thread.pk))
    assert response.status_code == status


def test_a_visitor_is_sent_to_sign_in(client):
    thread = _thread(community("open"))
    response = client.get(_attach_url("conversation", thread.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("relation", "status"), [("author", 200), ("co_author", 200), ("member", 403)])
def test_the_attach_page_of_a_story_per_role(client, relation, status):
    story = published_story(audience="community", visibility="private")
    viewer = {
        "author": story.author,
        "member": person_as("member", story.community),
    }.get(relation)
    if relation == "co_author":
        viewer = author_in(story.community)
        story.co_authors.add(viewer)
    assert _get(client, viewer, _attach_url("story", story.pk)).status_code == status
    assert (
        _get(client, person_as("outsider", story.community), _attach_url("story", story.pk)).status_code
        == 404
    )


def test_an_unknown_target_is_not_found(client, member):
    assert _get(client, member, _attach_url("event", 1)).status_code == 404
    assert _get(client, member, _attach_url("conversation", 999_999)).status_code == 404


# --- Picking and attaching -------------------------------------------------------------------------------
def test_the_picker_lists_the_targets_library_searches_titles_and_pages(client):
    place = community("open", name="Roads")
    thread = _thread(place)
    for number in range(25):
        document(uploader=thread.author, community=place, title=f"Gritting plan {number:02}")
    document(uploader=thread.author, community=place, title="Bins rota")
    url = _attach_url("conversation", thread.pk)

    first = _get(client, thread.author, url)
    assert first.context["library"] == place
    assert len(first.context["page_obj"].object_list) == 20
    assert first.context["page_obj"].paginator.count == 26
    assert "Bins rota" in first.text  # by title: "Bins" first
    second = _get(client, thread.author, url, page=2)
    assert [d.title for d in second.context["page_obj"].object_list][-1] == "Gritting plan 24"
    found = _get(client, thread.author, url, q="bins")
    assert [d.title for d in found.context["page_obj"].object_list] == ["Bins rota"]


def test_another_library_the_author_belongs_to_can_be_picked_but_not_one_they_cannot_read(client):
    place, other, secret = community("open"), community("private", name="Waste"), community("private")
    thread = _thread(place)
    MembershipFactory(community=other, user=thread.author)
    document(uploader=person_as("member", other), community=other, title="Waste contract")
    document(uploader=person_as("member", secret), community=secret, title="Secret contract")
    url = _attach_url("conversation", thread.pk)

    picked = _get(client, thread.author, url, library=other.slug)
    assert [d.title for d in picked.context["page_obj"].object_list] == ["Waste contract"]
    refused = _get(client, thread.author, url, library=secret.slug)
    assert "Select a library you can read" in refused.text
    assert "Secret contract" not in refused.text


def test_attaching_a_document_adds_it_and_returns_to_the_conversation(client):
    place = community("open")
    thread = _thread(place)
    made = document(uploader=person_as("member", place), community=place, title="Business case")
    client.force_login(thread.author)

    response = client.post(_attach_url("conversation", thread.pk), {"action": "attach", "document": made.pk})

    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    (attachment,) = Attachment.objects.all()
    assert (attachment.thread, attachment.document, attachment.attached_by) == (thread, made, thread.author)
    page = client.get(thread.get_absolute_url())
    assert "“Business case” is attached." in page.text
    again = client.post(_attach_url("conversation", thread.pk), {"action": "attach", "document": made.pk})
    assert again.status_code == 200
    assert "is already attached" in again.text
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("value", ["", "abc", "999999", "secret"])
def test_a_document_they_may_not_read_or_no_document_is_refused_with_a_message(client, value):
    place, secret = community("open"), community("private")
    thread = _thread(place)
    hidden = document(uploader=person_as("member", secret), community=secret, title="Secret contract")
    client.force_login(thread.author)
    document_id = hidden.pk if value == "secret" else value

    response = client.post(
        _attach_url("conversation", thread.pk), {"action": "attach", "document": document_id}
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Select a document from a library you can read" in response.text
    assert "Secret contract" not in response.text
    assert not Attachment.objects.exists()


def test_a_member_who_may_not_change_the_conversation_cannot_attach_by_posting(client):
    place = community("open")
    thread = _thread(place)
    made = document(uploader=person_as("member", place), community=place)
    client.force_login(person_as("member", place))
    response = client.post(_attach_url("conversation", thread.pk), {"action": "attach", "document": made.pk})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_no_more_than_the_limit_can_be_attached(client):
    place = community("open")
    thread = _thread(place)
    for number in range(MAX_ATTACHMENTS):
        made = document(uploader=thread.author, community=place, title=f"Doc {number}")
        attachment_add(user=thread.author, target="conversation", obj=thread, document=made)
    extra = document(uploader=thread.author, community=place, title="One too many")
    client.force_login(thread.author)
    response = client.post(_attach_url("conversation", thread.pk), {"action": "attach", "document": extra.pk})
    assert f"You can attach up to {MAX_ATTACHMENTS} documents" in response.text
    assert Attachment.objects.count() == MAX_ATTACHMENTS


# --- Uploading --------------------------------------------------------------------------------------------
def test_uploading_puts_the_document_in_the_targets_library_and_attaches_it(client):
    story = published_story(audience="community")
    client.force_login(story.author)

    response = client.post(
        _attach_url("story", story.pk),
        {"action": "upload", "title": "Crew rota", "description": "Who drives when", "file": upload_file()},
    )

    assert response.status_code == 302
    made = Document.objects.get()
    assert (made.community, made.uploaded_by, made.title) == (story.community, story.author, "Crew rota")
    assert Attachment.objects.get().story == story
    assert "Crew rota" in client.get(story.get_absolute_url()).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Rota"}, "Select a file to upload"),
        ({"file": "empty", "title": "Rota"}, "empty"),
        ({"file": "exe", "title": "Rota"}, "must be a PDF"),
        ({"file": "pdf", "title": ""}, "Enter a title for the document"),
    ],
)
def test_a_bad_upload_gets_a_message_and_changes_nothing(client, data, message):
    place = community("open")
    thread = _thread(place)
    files = {
        "empty": upload_file(b"", "rota.pdf"),
        "exe": upload_file(b"MZ\x90\x00" + b"\x00" * 100, "rota.pdf"),
        "pdf": upload_file(),
    }
    payload = {"action": "upload", **data}
    if "file" in data:
        payload["file"] = files[data["file"]]
    client.force_login(thread.author)

    response = client.post(_attach_url("conversation", thread.pk), payload)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Document.objects.exists()
    assert not Attachment.objects.exists()


def test_uploading_is_not_offered_where_the_community_keeps_uploads_to_facilitators(client):
    place = community("open")
    Community.objects.filter(pk=place.pk).update(members_upload_documents=False)
    thread = _thread(place)
    assert not _get(client, thread.author, _attach_url("conversation", thread.pk)).context["can_upload"]
    response = client.post(
        _attach_url("conversation", thread.pk), {"action": "upload", "title": "Rota", "file": upload_file()}
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


# --- Detaching --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("relation", "status"), [("author", 302), ("facilitator", 302), ("member", 403)])
def test_detaching_per_role(client, relation, status):
    place = community("private")
    thread = _thread(place)
    made = document(uploader=thread.author, community=place, title="Business case")
    attachment = attachment_add(user=thread.author, target="conversation", obj=thread, document=made)
    viewer = thread.author if relation == "author" else person_as(relation, place)
    client.force_login(viewer)

    response = client.post(reverse("library:detach", kwargs={"attachment_id": attachment.pk}))

    assert response.status_code == status
    assert Attachment.objects.exists() is (status != 302)
    assert Document.objects.filter(pk=made.pk, removed_at__isnull=True).exists()  # the document stays


def test_an_outsider_cannot_learn_of_an_attachment_by_detaching(client):
    place = community("private")
    thread = _thread(place)
    attachment = attachment_add(
        user=thread.author,
        target="conversation",
        obj=thread,
        document=document(uploader=thread.author, community=place),
    )
    client.force_login(person_as("outsider", place))
    assert client.post(reverse("library:detach", kwargs={"attachment_id": attachment.pk})).status_code == 404
    assert client.post(reverse("library:detach", kwargs={"attachment_id": 999_999})).status_code == 404
    assert client.get(reverse("library:detach", kwargs={"attachment_id": attachment.pk})).status_code == 405
    assert Attachment.objects.exists()


# --- Query counts -----------------------------------------------------------------------------------------
def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _attach_many(thread_or_story, target: str, place, user, count: int, start: int) -> None:
    secret = community("private")
    for number in range(start, start + count):
        where = place if number % 2 else secret
        uploader = user if where == place else person_as("member", where)
        made = document(uploader=uploader, community=where, title=f"Doc {number}")
        Attachment.objects.create(
            document=made,
            attached_by=user,
            **{"thread" if target == "conversation" else "story": thread_or_story},
        )


def test_the_thread_page_runs_one_query_for_2_or_12_attachments(client):
    place = community("open")
    thread = _thread(place)
    client.force_login(thread.author)
    url = thread.get_absolute_url()
    client.get(url)
    none = _queries(client, url)
    _attach_many(thread, "conversation", place, thread.author, 2, 0)
    few = _queries(client, url)
    _attach_many(thread, "conversation", place, thread.author, 10, 2)
    assert _queries(client, url) == few == none
    response = client.get(url)
    assert response.text.count("Document not available to you") == 6


def test_the_story_page_runs_one_query_for_2_or_12_attachments(client):
    story = published_story(audience="public")
    client.force_login(story.author)
    url = story.get_absolute_url()
    client.get(url)
    none = _queries(client, url)
    _attach_many(story, "story", story.community, story.author, 2, 0)
    few = _queries(client, url)
    _attach_many(story, "story", story.community, story.author, 10, 2)
    assert _queries(client, url) == few == none


def test_the_attach_page_runs_the_same_queries_for_2_or_40_documents(client, django_assert_max_num_queries):
    place = community("open")
    thread = _thread(place)
    for number in range(2):
        document(uploader=thread.author, community=place, title=f"Doc {number}")
    client.force_login(thread.author)
    url = _attach_url("conversation", thread.pk)
    client.get(url)
    small = _queries(client, url)
    for number in range(38):
        document(uploader=thread.author, community=place, title=f"More {number}")
    assert _queries(client, url) == small
    # Session, user, the thread, the author's standing, the libraries, the page with its count, the attached
    # ids, the header's unread count.
    with django_assert_max_num_queries(12):
        client.get(url)
