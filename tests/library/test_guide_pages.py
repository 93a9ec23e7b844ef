"""The living guides' pages as people use them: who may open each (a visitor, an outsider of an open and of a
private community, a member, a facilitator, a site admin), writing and editing with the preview, the edit
conflict shown with what changed meanwhile and the editor's text kept, the history and the diff of any two
revisions side by side and inline, restoring, locking and removing, the mistakes refused, and query counts
that do not grow with the revisions."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from library.models import Guide, GuideRevision
from library.services.guides import guide_create, guide_lock, guide_save
from tests.communities.helpers import community, person_as

pytestmark = pytest.mark.django_db

BODY = "## Before you start\n\nAgree the scope with finance.\n\n## Steps\n\n1. Write the case\n2. Send it"
READ_PAGES = ("guide", "guide-history", "guide-diff", "guide-revision")
WRITE_PAGES = ("guide-edit",)
MANAGE_PAGES = ("guide-restore", "guide-remove")


# --- Builders ------------------------------------------------------------------------------------------
def _url(name: str, guide: Guide, **kwargs) -> str:
    return reverse(
        f"library:{name}", kwargs={"slug": guide.community.slug, "guide_slug": guide.slug, **kwargs}
    )


def _page(name: str, guide: Guide) -> str:
    """The page's URL: the revision pages name revision 1."""
    return _url(name, guide, number=1) if name in ("guide-revision", "guide-restore") else _url(name, guide)


def _create_url(home) -> str:
    return reverse("library:guide-create", kwargs={"slug": home.slug})


def _place(visibility: str = "open"):
    home = community(visibility)
    author = person_as("member", home)
    guide = guide_create(user=author, community=home, title="How we run a joint procurement", body=BODY)
    guide_save(user=author, guide=guide, title=guide.title, body=BODY + "\n3. Hear back", base_revision=1)
    return home, author, guide


def _grow(guide: Guide, count: int) -> None:
    """`count` more revisions, written in bulk as guide_save would leave them (numbers in order, the guide
    showing the newest): hundreds of saves through the service would only slow the tests down."""
    start = guide.revision_count
    author = guide.last_edited_by
    GuideRevision.objects.bulk_create(
        GuideRevision(
            guide=guide,
            number=number,
            title=guide.title,
            body=f"{BODY}\n\nChange number {number}",
            note=f"Note {number}",
            author=author,
            created_at=timezone.now(),
        )
        for number in range(start + 1, start + count + 1)
    )
    Guide.objects.filter(pk=guide.pk).update(
        revision_count=start + count, body=f"{BODY}\n\nChange number {start + count}"
    )
    guide.refresh_from_db()


def _form(guide: Guide | None = None, **overrides) -> dict:
    data = {"title": "How we run a joint procurement", "body": BODY + "\n4. Tell the team", "note": "Step 4"}
    if guide is not None:
        data["base_revision"] = str(guide.revision_count)
    data.update(overrides)
    return data


def _field_error(response, field: str) -> str:
    match = re.search(
        rf'id="id_{field}-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*([^<]*)',
        response.text,
    )
    return " ".join(match.group(1).split()) if match else ""


def _textarea(page: str) -> str:
    return re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


# --- Who may open what -------------------------------------------------------------------------------------
def _every_get(guide: Guide) -> list[str]:
    return [_create_url(guide.community)] + [
        _page(name, guide) for name in (*READ_PAGES, *WRITE_PAGES, *MANAGE_PAGES)
    ]


def test_a_visitor_not_signed_in_is_sent_to_sign_in_from_every_page(client):
    _, _, guide = _place()
    for url in [*_every_get(guide), _url("guide-lock", guide)]:
        response = client.get(url) if not url.endswith("/lock/") else client.post(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_an_outsider_gets_404_on_every_page_of_a_private_communitys_guide(client):
    _, _, guide = _place("private")
    client.force_login(person_as("outsider", guide.community))
    for url in _every_get(guide):
        assert client.get(url).status_code == 404, url
    assert client.post(_url("guide-lock", guide)).status_code == 404
    assert client.post(_url("guide-edit", guide), _form(guide)).status_code == 404
    assert GuideRevision.objects.filter(guide=guide).count() == 2


def test_an_outsider_of_an_open_community_reads_its_guides_but_does_not_edit_them(client):
    _, _, guide = _place("open")
    client.force_login(person_as("outsider", guide.community))
    for name in READ_PAGES:
        assert client.get(_page(name, guide)).status_code == 200, name
    for url in [_create_url(guide.community), _page("guide-edit", guide), _page("guide-restore", guide)]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Only" in response.text
    page = client.get(_url("guide", guide)).text
    assert _url("guide-edit", guide) not in page


@pytest.mark.parametrize("visibility", ["open", "private"])
def test_a_member_reads_writes_and_edits_but_does_not_manage(client, visibility):
    _, _, guide = _place(visibility)
    client.force_login(person_as("member", guide.community))
    for url in [_create_url(guide.community), *(_page(n, guide) for n in (*READ_PAGES, *WRITE_PAGES))]:
        assert client.get(url).status_code == 200, url
    for name in MANAGE_PAGES:
        response = client.get(_page(name, guide))
        assert response.status_code == 403, name
        assert escape("Only the community's facilitators can do this.") in response.text
    assert client.post(_url("guide-lock", guide)).status_code == 403
    page = client.get(_url("guide", guide)).text
    assert _url("guide-edit", guide) in page
    assert _url("guide-lock", guide) not in page
    assert _url("guide-remove", guide) not in page
    assert "Restore this revision" not in client.get(_page("guide-revision", guide)).text


@pytest.mark.parametrize("role", ["facilitator", "site_admin"])
def test_facilitators_and_site_admins_open_every_page_and_see_the_managing_links(client, role):
    _, _, guide = _place("private")
    client.force_login(person_as(role, guide.community))
    for url in _every_get(guide):
        assert client.get(url).status_code == 200, url
    page = client.get(_url("guide", guide)).text
    assert _url("guide-lock", guide) in page
    assert _url("guide-remove", guide) in page
    assert "Restore this revision" in client.get(_page("guide-revision", guide)).text


def test_a_removed_guide_is_gone_from_every_page(client):
    _, _, guide = _place()
    Guide.objects.filter(pk=guide.pk).update(removed_at=timezone.now())
    client.force_login(person_as("facilitator", guide.community))
    for url in _every_get(guide)[1:]:
        assert client.get(url).status_code == 404, url


def test_a_guide_or_revision_that_does_not_exist_is_404(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    missing = reverse("library:guide", kwargs={"slug": guide.community.slug, "guide_slug": "no-such-guide"})
    assert client.get(missing).status_code == 404
    assert client.get(_url("guide-revision", guide, number=99)).status_code == 404


# --- The guide's page ---------------------------------------------------------------------------------------
def test_the_guide_shows_its_text_and_who_last_edited_it_with_their_face(client):
    _, author, guide = _place()
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide", guide)).text
    assert "<h2>Before you start</h2>" in page
    edited = re.search(r'id="guide-last-edited">(.*?)</p>', page, re.S).group(1)
    assert "Last edited by" in edited
    assert escape(author.display_name) in edited
    assert "khub-avatar" in edited
    assert f"{timezone.localtime(guide.last_edited_at):%-d %B %Y}" in edited
    assert "2 revisions" in page


def test_a_guide_whose_last_editor_is_gone_says_former_member(client):
    _, _, guide = _place()
    Guide.objects.filter(pk=guide.pk).update(last_edited_by=None)
    client.force_login(person_as("member", guide.community))
    edited = re.search(
        r'id="guide-last-edited">(.*?)</p>', client.get(_url("guide", guide)).text, re.S
    ).group(1)
    assert "Former member" in edited


# --- Writing and editing ------------------------------------------------------------------------------------
def test_a_member_writes_a_guide_and_lands_on_it(client):
    home = community()
    member = person_as("member", home)
    client.force_login(member)
    response = client.post(_create_url(home), _form(title="Damp and mould"))
    guide = Guide.objects.get(community=home)
    assert response.status_code == 302
    assert response.url == guide.get_absolute_url()
    assert (guide.slug, guide.revision_count, guide.created_by) == ("damp-and-mould", 1, member)


def test_bad_input_shows_the_error_summary_and_field_errors_and_keeps_the_text(client):
    home = community()
    client.force_login(person_as("member", home))
    response = client.post(_create_url(home), _form(title="", body="Kept\x00text", note="n" * 201))
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert _field_error(response, "title") == "Enter a title"
    assert _field_error(response, "note") == "The note must be 200 characters or fewer"
    assert not Guide.objects.exists()
    response = client.post(_create_url(home), _form(body="Kept\x00text"))
    assert _field_error(response, "body") == "Null characters are not allowed."
    assert not Guide.objects.exists()


def test_the_preview_without_javascript_shows_the_rendered_text_and_saves_nothing(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    response = client.post(
        _url("guide-edit", guide), _form(guide, body="**Bold** plan", markdown_preview="body")
    )
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in response.text
    assert "There is a problem" not in response.text
    assert _textarea(response.text) == "**Bold** plan"
    assert 'name="base_revision" value="2"' in response.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2


def test_an_edit_is_saved_as_a_new_revision(client):
    _, _, guide = _place()
    editor = person_as("member", guide.community)
    client.force_login(editor)
    form_page = client.get(_url("guide-edit", guide)).text
    assert 'name="base_revision" value="2"' in form_page
    assert "Hear back" in _textarea(form_page)
    response = client.post(_url("guide-edit", guide), _form(guide))
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.revision_count, guide.last_edited_by) == (3, editor)
    assert "Tell the team" in guide.body_html


def test_a_save_that_changes_nothing_is_refused_with_a_message(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    response = client.post(_url("guide-edit", guide), _form(guide, body=guide.body, note=""))
    assert response.status_code == 200
    assert "You have not changed anything" in response.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2


def test_an_edit_without_its_base_revision_is_refused_at_the_top_of_the_form(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    response = client.post(_url("guide-edit", guide), _form(guide, base_revision="abc"))
    assert response.status_code == 200
    assert "This page was out of date" in response.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2


def test_the_second_of_two_editors_sees_what_changed_meanwhile_keeps_their_text_and_can_save_again(client):
    _, _, guide = _place()
    first, second = person_as("member", guide.community), person_as("member", guide.community)
    client.force_login(second)
    assert 'name="base_revision" value="2"' in client.get(_url("guide-edit", guide)).text
    guide_save(
        user=first,
        guide=guide,
        title=guide.title,
        body=BODY + "\n3. Hear <back>",
        note="Their note",
        base_revision=2,
    )

    mine = "My own <rewrite>\nof the steps"
    response = client.post(_url("guide-edit", guide), _form(guide, body=mine, base_revision="2"))

    assert response.status_code == 200
    page = response.text
    assert "Someone else saved this guide while you were editing" in page
    assert "There is a problem" in page
    assert 'id="changed-meanwhile"' in page
    assert "Their note" in page
    assert escape(first.display_name) in page
    # Their change in the diff, escaped, the words they added marked.
    assert re.search(r"<ins><span class=\"govuk-visually-hidden\">added: </span>&lt;</ins>back", page)
    assert "<ins>" in page
    assert _textarea(page) == "My own &lt;rewrite&gt;\nof the steps"
    assert 'name="base_revision" value="3"' in page
    assert GuideRevision.objects.filter(guide=guide).count() == 3

    response = client.post(_url("guide-edit", guide), _form(guide, body=mine, base_revision="3"))
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.revision_count, guide.body, guide.last_edited_by) == (4, mine, second)


def test_a_locked_guide_refuses_a_member_with_a_clear_403_and_lets_a_facilitator_edit(client):
    _, _, guide = _place()
    facilitator = person_as("facilitator", guide.community)
    guide_lock(user=facilitator, guide=guide)
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide", guide)).text
    assert "Locked" in page
    assert _url("guide-edit", guide) not in page
    for response in (
        client.get(_url("guide-edit", guide)),
        client.post(_url("guide-edit", guide), _form(guide)),
    ):
        assert response.status_code == 403
        assert escape("This guide is locked: only the community's facilitators can edit it.") in response.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2

    client.force_login(facilitator)
    assert client.get(_url("guide-edit", guide)).status_code == 200
    assert client.post(_url("guide-edit", guide), _form(guide)).status_code == 302
    assert GuideRevision.objects.filter(guide=guide).count() == 3


# --- Facilitators: lock, restore, remove --------------------------------------------------------------------
def test_a_facilitator_locks_and_unlocks_with_the_buttons(client):
    _, _, guide = _place()
    client.force_login(person_as("facilitator", guide.community))
    assert client.post(_url("guide-lock", guide), {"locked": "1"}).status_code == 302
    assert Guide.objects.get(pk=guide.pk).locked
    assert "Unlock the guide" in client.get(_url("guide", guide)).text
    assert client.post(_url("guide-lock", guide), {"locked": "0"}).status_code == 302
    assert not Guide.objects.get(pk=guide.pk).locked
    assert client.get(_url("guide-lock", guide)).status_code == 405


def test_a_facilitator_restores_an_earlier_revision_after_confirming(client):
    _, _, guide = _place()
    client.force_login(person_as("facilitator", guide.community))
    confirm = client.get(_url("guide-restore", guide, number=1))
    assert "Restore revision 1?" in confirm.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2

    response = client.post(_url("guide-restore", guide, number=1), {"note": "Back to the agreed text"})

    assert response.status_code == 302
    guide.refresh_from_db()
    newest = GuideRevision.objects.get(guide=guide, number=3)
    assert (guide.revision_count, guide.body, newest.restored_from) == (3, BODY, 1)
    history = client.get(_url("guide-history", guide)).text
    assert "Restored from revision 1" in history
    assert "Back to the agreed text" in history


def test_restoring_the_current_text_says_there_is_nothing_to_restore(client):
    _, _, guide = _place()
    client.force_login(person_as("facilitator", guide.community))
    response = client.post(_url("guide-restore", guide, number=2), follow=True)
    assert "there is nothing to restore" in response.text
    assert GuideRevision.objects.filter(guide=guide).count() == 2


def test_a_facilitator_removes_a_guide_with_a_reason(client):
    _, _, guide = _place()
    client.force_login(person_as("facilitator", guide.community))
    response = client.post(_url("guide-remove", guide), {"reason": ""})
    assert response.status_code == 200
    assert _field_error(response, "reason") == "Enter why you are removing this guide"
    assert not Guide.objects.get(pk=guide.pk).is_removed

    response = client.post(_url("guide-remove", guide), {"reason": "A duplicate"})
    assert response.status_code == 302
    assert response.url == reverse("library:index", kwargs={"slug": guide.community.slug})
    assert Guide.objects.get(pk=guide.pk).removed_reason == "A duplicate"
    assert client.get(_url("guide", guide)).status_code == 404


# --- History and diffs --------------------------------------------------------------------------------------
def test_the_history_lists_revisions_newest_first_with_their_authors_and_a_compare_form(client):
    _, author, guide = _place()
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-history", guide)).text
    assert page.index("Revision 2") < page.index("Revision 1")
    assert escape(author.display_name) in page
    assert f'action="{_url("guide-diff", guide)}"' in page
    assert re.search(r'id="from-1"\s+name="from"\s+type="radio"\s+value="1"\s+checked', page)
    assert re.search(r'id="to-2"\s+name="to"\s+type="radio"\s+value="2"\s+checked', page)
    assert f'href="{_url("guide-revision", guide, number=1)}"' in page


def test_a_history_of_500_revisions_is_paginated(client):
    _, _, guide = _place()
    _grow(guide, 498)
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-history", guide)).text
    assert page.count('name="to"') == 25
    assert "Revision 500" in page
    assert "Revision 475" not in page
    assert 'class="govuk-pagination"' in page
    last = client.get(_url("guide-history", guide) + "?page=20").text
    assert "Revision 1<" in last
    assert last.count('name="to"') == 25


def test_the_diff_defaults_to_the_last_change_side_by_side_in_a_table_with_headers(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-diff", guide)).text
    assert "Changes from revision 1 to revision 2" in page
    assert '<th scope="col" class="govuk-table__header">Revision 1</th>' in page
    assert '<th scope="col" class="govuk-table__header">Revision 2</th>' in page
    assert '<span class="govuk-visually-hidden">Added line: </span>' in page
    assert "<ins>3. Hear back</ins>" in page
    assert "1 line added, 0 lines removed." in page
    assert "?from=1&amp;to=2&amp;view=inline" in page


def test_the_diff_of_any_two_revisions_inline_with_the_words_marked_and_escaped(client):
    _, author, guide = _place()
    guide_save(
        user=author, guide=guide, title="New <title>", body="Nothing <script>left</script>", base_revision=2
    )
    _grow(guide, 2)
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-diff", guide) + "?from=1&to=3&view=inline").text
    assert "Changes from revision 1 to revision 3" in page
    assert "khub-diff--inline" in page
    assert "&lt;script&gt;left&lt;/script&gt;" in page
    assert "<script>left" not in page
    assert "New &lt;title&gt;" in page.replace('<ins><span class="govuk-visually-hidden">added: </span>', "")
    assert '<span class="govuk-visually-hidden">Removed line: </span>' in page
    assert "Show the changes side by side" in page
    backwards = client.get(_url("guide-diff", guide) + "?from=5&to=2").text
    assert "Changes from revision 5 to revision 2" in backwards


def test_the_diff_of_a_revision_with_itself_says_the_text_is_the_same(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-diff", guide) + "?from=2&to=2").text
    assert 'id="diff-unchanged"' in page


def test_a_revision_that_is_not_there_is_left_out_of_the_diff_and_said(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    response = client.get(_url("guide-diff", guide) + "?from=99&to=abc&view=<x>")
    assert response.status_code == 200
    assert "This guide has no revision abc or 99: showing revisions 1 and 2 instead." in response.text
    assert "Changes from revision 1 to revision 2" in response.text


def test_a_revision_page_shows_that_revisions_text(client):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    page = client.get(_url("guide-revision", guide, number=1)).text
    assert "<h2>Before you start</h2>" in page
    assert "Hear back" not in page
    assert "This is an earlier revision" in page


# --- Cost: the same queries for 5 revisions and for 60 ------------------------------------------------------
@pytest.mark.parametrize("name", ["guide", "guide-history", "guide-diff", "guide-revision", "guide-edit"])
def test_the_queries_do_not_grow_with_the_revisions(client, django_assert_max_num_queries, name):
    _, _, guide = _place()
    client.force_login(person_as("member", guide.community))
    _grow(guide, 3)
    few = _queries(client, _page(name, guide))
    _grow(guide, 55)
    many = _queries(client, _page(name, guide))
    assert few == many
    with django_assert_max_num_queries(7):
        client.get(_page(name, guide))
