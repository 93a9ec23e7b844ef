"""Living guides' writes (library.services.guides) and their diffs (library.diffs): a new guide and its
slug, each save a revision, the edit conflict, a save that changes nothing, locking, restoring and removing,
the mistakes each rule refuses, and two saves from the same revision at once on PostgreSQL."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from communities.models import ModerationLogEntry
from library.diffs import diff_texts, diff_titles
from library.models import GUIDE_BODY_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH, Guide, GuideRevision
from library.permissions import can_read_guide
from library.services.guides import (
    EditConflict,
    guide_create,
    guide_lock,
    guide_remove,
    guide_restore,
    guide_save,
    guide_unlock,
)
from tests.communities.helpers import community, person_as
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db
A = ModerationLogEntry.Action
BODY = "## Before you start\n\nAgree the scope with finance.\n\n## Steps\n\n1. Write the case\n2. Send it"


@pytest.fixture
def place():
    home = community()
    return home, person_as("member", home), person_as("facilitator", home)


def _guide(author, home, title="How we run a joint procurement", body=BODY, note=""):
    return guide_create(user=author, community=home, title=title, body=body, note=note)


def _save(user, guide, *, body, base=None, title=None, note=""):
    return guide_save(
        user=user,
        guide=guide,
        title=title or guide.title,
        body=body,
        note=note,
        base_revision=guide.revision_count if base is None else base,
    )


def _guide_entries(home):
    """The community's moderation log lines about guides (making a community writes one of its own)."""
    return ModerationLogEntry.objects.filter(community=home, action__startswith="guide_")


def _log(home) -> list[str]:
    return list(_guide_entries(home).order_by("pk").values_list("action", flat=True))


# --- A new guide -----------------------------------------------------------------------------------------
def test_a_new_guide_is_revision_one_its_markdown_rendered_once_and_its_slug_from_the_title(place):
    home, member, _ = place
    guide = _guide(member, home, note="First draft")

    guide.refresh_from_db()
    assert (guide.slug, guide.revision_count, guide.last_edited_by) == (
        "how-we-run-a-joint-procurement",
        1,
        member,
    )
    assert "<h2>Before you start</h2>" in guide.body_html
    assert "<ol>" in guide.body_html
    revision = GuideRevision.objects.get(guide=guide)
    assert (revision.number, revision.title, revision.body, revision.note, revision.author) == (
        1,
        guide.title,
        BODY,
        "First draft",
        member,
    )


def test_a_second_and_third_guide_of_the_same_title_take_the_next_slugs(place):
    home, member, _ = place
    slugs = [_guide(member, home, title="Damp and mould").slug for _ in range(3)]
    assert slugs == ["damp-and-mould", "damp-and-mould-2", "damp-and-mould-3"]
    other = community()
    assert _guide(person_as("member", other), other, title="Damp and mould").slug == "damp-and-mould"


def test_a_title_that_makes_no_slug_or_names_the_new_guide_page_gets_one_that_works(place):
    home, member, _ = place
    assert _guide(member, home, title="???").slug == "guide"
    assert _guide(member, home, title="New").slug == "new-2"  # pages/new/ is the form for a new guide


def test_raw_html_in_a_guide_is_escaped_not_run(place):
    home, member, _ = place
    guide = _guide(member, home, body="<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script>" not in guide.body_html
    assert 'href="javascript' not in guide.body_html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "   "}, "title", "Enter a title."),
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, "title", f"{TITLE_MAX_LENGTH} characters or fewer"),
        ({"title": "Bad\x00title"}, "title", "null characters"),
        ({"body": "  \n "}, "body", "Enter the guide's text."),
        ({"body": "x" * (GUIDE_BODY_MAX_LENGTH + 1)}, "body", "100,000 characters or fewer"),
        ({"body": "text\x00"}, "body", "null characters"),
        ({"note": "x" * (NOTE_MAX_LENGTH + 1)}, "note", f"{NOTE_MAX_LENGTH} characters or fewer"),
        ({"note": "a\x00b"}, "note", "null characters"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(place, fields, field, message):
    home, member, _ = place
    values = {"title": "A guide", "body": BODY, "note": "", **fields}
    with pytest.raises(ValidationError) as error:
        guide_create(user=member, community=home, **values)
    assert message in " ".join(error.value.message_dict[field])
    assert not Guide.objects.exists()
    assert not GuideRevision.objects.exists()


def test_every_field_wrong_is_reported_at_once(place):
    home, member, _ = place
    with pytest.raises(ValidationError) as error:
        guide_create(user=member, community=home, title="", body="", note="x" * 300)
    assert set(error.value.message_dict) == {"title", "body", "note"}


def test_only_members_who_take_part_write_guides(place):
    home, _, _ = place
    with pytest.raises(PermissionDenied):
        _guide(person_as("outsider", home), home)
    private = community("private")
    with pytest.raises(Http404):
        _guide(person_as("outsider", private), private)
    assert _guide(person_as("site_admin", private), private).revision_count == 1
    assert not GuideRevision.objects.filter(guide__community=home).exists()


# --- Saving ----------------------------------------------------------------------------------------------
def test_a_save_is_a_new_revision_and_the_guide_shows_it(place):
    home, member, facilitator = place
    guide = _guide(member, home)

    revision = _save(
        facilitator, guide, body=BODY + "\n3. Hear back", title="Joint procurement", note="Step 3"
    )

    assert (revision.number, revision.author, revision.note) == (2, facilitator, "Step 3")
    guide.refresh_from_db()
    assert (guide.revision_count, guide.title, guide.last_edited_by) == (2, "Joint procurement", facilitator)
    assert "Hear back" in guide.body_html
    assert guide.slug == "how-we-run-a-joint-procurement"  # the address stays when the title changes


def test_the_second_of_two_editors_from_the_same_revision_is_refused_with_what_changed_meanwhile(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    theirs = Guide.objects.get(pk=guide.pk)  # the second editor's copy, opened at revision 1

    _save(facilitator, guide, body=BODY + "\n3. Hear back", note="Step 3")
    with pytest.raises(EditConflict) as conflict:
        _save(member, theirs, body="My own rewrite", base=1)

    assert conflict.value.base == 1
    assert [r.number for r in conflict.value.since] == [2]
    assert conflict.value.newest.author == facilitator
    assert "Someone else saved this guide while you were editing" in conflict.value.messages[0]
    assert GuideRevision.objects.filter(guide=guide).count() == 2
    # Having seen the changes, the same text saved from the newest revision goes through.
    assert _save(member, theirs, body="My own rewrite", base=2).number == 3


def test_a_save_from_a_revision_that_does_not_exist_is_refused(place):
    home, member, _ = place
    guide = _guide(member, home)
    for base in (0, 5):
        with pytest.raises(ValidationError, match="out of date"):
            _save(member, guide, body="Other", base=base)
    assert guide.revision_count == 1


def test_a_save_that_changes_nothing_is_refused(place):
    home, member, _ = place
    guide = _guide(member, home)
    with pytest.raises(ValidationError, match="You have not changed anything"):
        _save(member, guide, body=BODY + "\n\n")  # trailing space is not a change
    assert GuideRevision.objects.filter(guide=guide).count() == 1


def test_a_locked_guide_is_edited_by_its_facilitators_only(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    guide_lock(user=facilitator, guide=guide)

    with pytest.raises(PermissionDenied, match="locked"):
        _save(member, guide, body="Changed")
    assert _save(facilitator, guide, body="Changed").number == 2
    assert _save(person_as("site_admin", home), guide, body="Changed again").number == 3


def test_a_guide_locked_while_a_member_edits_refuses_their_save(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    stale = Guide.objects.get(pk=guide.pk)  # the member opened it unlocked
    guide_lock(user=facilitator, guide=guide)
    with pytest.raises(PermissionDenied):
        _save(member, stale, body="Changed")


# --- Facilitators ----------------------------------------------------------------------------------------
def test_lock_and_unlock_are_the_facilitators_and_logged_once_each(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    with pytest.raises(PermissionDenied):
        guide_lock(user=member, guide=guide)

    guide_lock(user=facilitator, guide=guide)
    guide_lock(user=facilitator, guide=guide)  # already locked: nothing more
    guide_unlock(user=facilitator, guide=guide)

    assert Guide.objects.get(pk=guide.pk).locked is False
    assert _log(home) == [A.GUIDE_LOCKED, A.GUIDE_UNLOCKED]


def test_restoring_an_earlier_revision_is_a_new_revision_with_its_text(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    _save(member, guide, body="Vandalised", title="Spam")

    restored = guide_restore(user=facilitator, guide=guide, number=1)

    assert (restored.number, restored.restored_from, restored.title, restored.body) == (
        3,
        1,
        guide.title,
        BODY,
    )
    assert restored.note == "Restored revision 1"
    guide.refresh_from_db()
    assert (guide.revision_count, guide.title, guide.body) == (3, "How we run a joint procurement", BODY)
    assert "Before you start" in guide.body_html
    assert GuideRevision.objects.filter(guide=guide).count() == 3  # revision 2 stays in the history
    entry = _guide_entries(home).get()
    assert (entry.action, entry.actor, entry.about_url) == (
        A.GUIDE_RESTORED,
        facilitator,
        guide.get_absolute_url(),
    )


def test_a_restore_is_the_facilitators_and_refuses_what_would_change_nothing(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    _save(member, guide, body="Second")
    with pytest.raises(PermissionDenied):
        guide_restore(user=member, guide=guide, number=1)
    with pytest.raises(ValidationError, match="already reads as revision 2"):
        guide_restore(user=facilitator, guide=guide, number=2)
    with pytest.raises(ValidationError, match="no revision 9"):
        guide_restore(user=facilitator, guide=guide, number=9)
    assert GuideRevision.objects.filter(guide=guide).count() == 2
    assert not _guide_entries(place[0]).exists()


def test_removing_takes_a_reason_logs_it_and_the_guide_is_gone(place):
    home, member, facilitator = place
    guide = _guide(member, home)
    with pytest.raises(PermissionDenied):
        guide_remove(user=member, guide=guide, reason="Spam")
    with pytest.raises(ValidationError) as error:
        guide_remove(user=facilitator, guide=guide, reason="  ")
    assert "reason" in error.value.message_dict

    guide_remove(user=facilitator, guide=guide, reason="Duplicate of the procurement guide")

    guide.refresh_from_db()
    assert guide.is_removed
    assert guide.removed_by == facilitator
    assert not can_read_guide(user=member, guide=guide)
    entry = _guide_entries(home).get()
    assert (entry.action, entry.reason, entry.subject) == (
        A.GUIDE_REMOVED,
        "Duplicate of the procurement guide",
        member,
    )
    with pytest.raises(Http404):
        _save(facilitator, guide, body="After")


# --- Diffs -----------------------------------------------------------------------------------------------
def test_a_diff_marks_the_changed_words_and_escapes_the_text():
    diff = diff_texts(
        "Keep this\nSay <b>hello</b> there\nEnd", "Keep this\nSay <b>goodbye</b> there\nEnd\nNew line"
    )

    assert (diff.added, diff.removed) == (2, 1)
    [hunk] = diff.hunks
    changed = [row for row in hunk.rows if row.old is None or row.old.change != "equal"]
    old_html, new_html = changed[0].old.html, changed[0].new.html
    assert "&lt;b&gt;" in old_html
    assert "<b>" not in old_html
    assert '<del><span class="govuk-visually-hidden">removed: </span>hello</del>' in old_html
    assert '<ins><span class="govuk-visually-hidden">added: </span>goodbye</ins>' in new_html
    assert changed[1].old is None
    assert changed[1].new.html == "<ins>New line</ins>"
    assert [line.change for line in hunk.inline] == ["equal", "removed", "added", "equal", "added"]


def test_a_diff_shows_a_few_lines_around_each_change_and_counts_the_rest():
    old = "\n".join(f"line {n}" for n in range(1, 101))
    new = old.replace("line 50", "line fifty")
    diff = diff_texts(old, new)
    [hunk] = diff.hunks
    assert hunk.skipped_before == 46
    assert [row.old.number for row in hunk.rows] == list(range(47, 54))
    assert diff.skipped_after == 47


def test_the_same_text_has_no_diff_and_a_title_change_is_marked():
    assert diff_texts("a\nb", "a\nb").unchanged
    assert diff_titles("Same", "Same") is None
    old, new = diff_titles("Joint procurement", "Joint <i>buying</i>")
    assert "procurement</del>" in old
    assert "&lt;i&gt;buying" in new


# --- At once (PostgreSQL) --------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_saves_from_the_same_revision_at_once_one_wins_and_the_other_sees_the_conflict(postgres_only):
    home = community()
    first, second = person_as("member", home), person_as("member", home)
    guide = _guide(first, home)
    copies = [Guide.objects.get(pk=guide.pk) for _ in range(2)]

    errors = at_once(
        lambda: _save(first, copies[0], body="First's text", base=1),
        lambda: _save(second, copies[1], body="Second's text", base=1),
    )

    assert len(errors) == 1
    assert isinstance(errors[0], EditConflict)
    assert [r.number for r in errors[0].since] == [2]
    assert list(
        GuideRevision.objects.filter(guide=guide).order_by("number").values_list("number", flat=True)
    ) == [1, 2]
    guide.refresh_from_db()
    assert guide.revision_count == 2
    assert guide.body == GuideRevision.objects.get(guide=guide, number=2).body


@pytest.mark.django_db(transaction=True)
def test_two_guides_of_the_same_title_at_once_both_are_saved_with_their_own_slugs(postgres_only):
    home = community()
    first, second = person_as("member", home), person_as("member", home)

    errors = at_once(lambda: _guide(first, home, title="Same"), lambda: _guide(second, home, title="Same"))

    assert errors == []
    assert sorted(Guide.objects.values_list("slug", flat=True)) == ["same", "same-2"]
