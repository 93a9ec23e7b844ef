"""The library admin: site admins read every document (a private community's and removed ones too) with its
versions and every guide with its revisions, filter and search them; nobody adds, changes or deletes them
there (the services keep the quota, the versions and the moderation log); each community's storage shows
what it uses of its quota, and the quota is set there; each list runs a fixed number of queries."""

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from library.models import Document, Guide, LibrarySpace
from library.services.documents import document_add_version, document_remove
from tests.communities.helpers import community, person_as
from tests.library.guide_rows import guide, revise
from tests.library.helpers import document, upload_file

pytestmark = pytest.mark.django_db

# session, user, two COUNTs (filtered and in all), the sidebar's hub settings check, the page with its
# related rows (list_select_related); on the document and guide lists also the community filter's choices
# and the date hierarchy's first and last dates and its years
LIST_QUERIES = 6
DATED_LIST_QUERIES = LIST_QUERIES + 3


def _url(model: str, page: str, *args) -> str:
    return reverse(f"admin:library_{model}_{page}", args=args)


def test_a_site_admin_sees_a_private_communitys_document_with_its_versions(client, site_admin):
    place = community("private", name="Secret roads")
    uploader = person_as("member", place, display_name="Priya O'Brien")
    made = document(uploader=uploader, community=place, title="Gritting business case")
    document_add_version(
        user=uploader, document=made, file=upload_file(name="second.pdf"), note="New figures"
    )
    client.force_login(site_admin)

    listing = client.get(_url("document", "changelist"))
    page = client.get(_url("document", "change", made.pk))

    assert listing.status_code == page.status_code == 200
    assert "Gritting business case" in listing.text
    assert "Secret roads" in listing.text
    assert "second.pdf" in page.text
    assert "business-case.pdf" in page.text
    assert "New figures" in page.text
    assert escape(uploader.display_name) in page.text


def test_a_removed_document_is_shown_and_marked_and_filtered(client, site_admin):
    place = community("open")
    kept = document(uploader=person_as("member", place), community=place, title="Kept")
    removed = document(uploader=person_as("member", place), community=place, title="Gone")
    document_remove(user=person_as("facilitator", place), document=removed, reason="Out of date")
    client.force_login(site_admin)

    assert {d.title for d in client.get(_url("document", "changelist")).context["cl"].result_list} == {
        "Kept",
        "Gone",
    }
    only_removed = client.get(_url("document", "changelist"), {"removed": "yes"})
    assert [d.title for d in only_removed.context["cl"].result_list] == ["Gone"]
    assert "icon-yes.svg" in only_removed.text
    page = client.get(_url("document", "change", removed.pk))
    assert "Out of date" in page.text
    assert kept.title in client.get(_url("document", "changelist"), {"removed": "no"}).text


def test_a_guide_shows_its_revisions_and_lists_filter_and_search(client, site_admin):
    roads, waste = community("open", name="Roads"), community("open", name="Waste")
    written = guide(author=person_as("member", roads), community=roads, title="Gritting guide")
    revise(written, author=person_as("member", roads), body="Second", note="Clearer steps")
    guide(author=person_as("member", waste), community=waste, title="Bins guide")
    client.force_login(site_admin)

    page = client.get(_url("guide", "change", written.pk))
    assert "Clearer steps" in page.text
    assert "First draft" in page.text
    by_community = client.get(_url("guide", "changelist"), {"community__id__exact": roads.pk})
    assert [g.title for g in by_community.context["cl"].result_list] == ["Gritting guide"]
    by_title = client.get(_url("guide", "changelist"), {"q": "bins"})
    assert [g.title for g in by_title.context["cl"].result_list] == ["Bins guide"]
    by_document_title = client.get(_url("document", "changelist"), {"q": "nothing"})
    assert by_document_title.context["cl"].result_count == 0


def test_nothing_is_added_changed_or_deleted_in_the_document_and_guide_admin(client, site_admin):
    place = community("open")
    made = document(uploader=person_as("member", place), community=place, title="Business case")
    written = guide(author=person_as("member", place), community=place, title="Gritting guide")
    client.force_login(site_admin)

    for model, pk in (("document", made.pk), ("guide", written.pk)):
        assert client.get(_url(model, "add")).status_code == 403
        assert client.get(_url(model, "delete", pk)).status_code == 403
        assert client.post(_url(model, "change", pk), {"title": "Changed"}).status_code == 403
        assert 'name="title"' not in client.get(_url(model, "change", pk)).text
    assert Document.objects.get(pk=made.pk).title == "Business case"
    assert Guide.objects.get(pk=written.pk).title == "Gritting guide"
    assert "versions-0-note" not in client.get(_url("document", "change", made.pk)).text


def test_the_storage_list_shows_what_each_community_uses_of_its_quota(client, site_admin, settings):
    settings.LIBRARY_QUOTA_BYTES = 10_000
    place = community("open", name="Roads")
    made = document(uploader=person_as("member", place), community=place)
    client.force_login(site_admin)

    listing = client.get(_url("libraryspace", "changelist"))

    assert "Roads" in listing.text
    assert filesizeformat(made.size) in listing.text
    assert f"{made.size / 10_000:.0%}" in listing.text
    assert "the hub&#x27;s default" in listing.text or "the hub's default" in listing.text


def test_a_site_admin_sets_a_communitys_quota_and_bad_input_changes_nothing(client, site_admin):
    place = community("open")
    document(uploader=person_as("member", place), community=place)
    space = LibrarySpace.objects.get(community=place)
    client.force_login(site_admin)
    url = _url("libraryspace", "change", place.pk)

    refused = client.post(url, {"quota_bytes": "-5"})
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in refused.text
    space.refresh_from_db()
    assert space.quota_bytes is None

    assert client.post(url, {"quota_bytes": str(5 * 1024**3)}).status_code == 302
    space.refresh_from_db()
    assert space.quota_bytes == 5 * 1024**3
    assert "5.0\xa0GB" in client.get(_url("libraryspace", "changelist")).text
    assert client.get(_url("libraryspace", "add")).status_code == 403
    assert client.get(_url("libraryspace", "delete", place.pk)).status_code == 403


@pytest.mark.parametrize("relation", ["member", "facilitator"])
def test_members_and_facilitators_cannot_open_the_library_admin(client, relation):
    place = community("private")
    made = document(uploader=person_as("member", place), community=place)
    client.force_login(person_as(relation, place))
    for url in (
        _url("document", "changelist"),
        _url("document", "change", made.pk),
        _url("guide", "changelist"),
        _url("libraryspace", "change", place.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def _list_queries(client, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(model, "changelist")).status_code == 200
    return len(queries)


def _fill(places, count: int) -> None:
    for place in places:
        uploader = person_as("member", place)
        for number in range(count):
            document(uploader=uploader, community=place, title=f"Document {number}")
            guide(author=uploader, community=place, title=f"Guide {number}")


def test_each_list_runs_the_same_queries_for_2_or_30_rows(client, site_admin, django_assert_max_num_queries):
    places = [community("private") for _ in range(2)]
    _fill(places, 1)
    client.force_login(site_admin)
    models = ("document", "guide", "libraryspace")
    small = {model: _list_queries(client, model) for model in models}
    _fill(places, 14)
    places.append(community("open"))
    _fill(places[2:], 1)
    assert {model: _list_queries(client, model) for model in models} == small
    for model, most in (
        ("document", DATED_LIST_QUERIES),
        ("guide", DATED_LIST_QUERIES),
        ("libraryspace", LIST_QUERIES),
    ):
        with django_assert_max_num_queries(most, info=model):
            client.get(_url(model, "changelist"))
