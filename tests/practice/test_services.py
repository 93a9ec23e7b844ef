"""practice.services: writing, publishing and archiving stories, who can read them, and what the peer
community does with them (endorse, promote, repeat).

Bad input changes nothing and says why; a story the person may not read is Http404; counts stay exact;
authors hear of what others do with their story, and every facilitator action is in the moderation log.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from communities.models import HubSettings, ModerationLogEntry, Post, Thread
from communities.services.conversations import thread_create
from communities.services.membership import membership_leave
from practice import permissions
from practice.models import RECORD_SECTIONS, Adoption, Endorsement, MeasuredOutcome, PracticeStory
from practice.services.recognition import (
    adoption_record,
    adoption_withdraw,
    endorsement_create,
    endorsement_withdraw,
    story_promote,
    story_promotion_withdraw,
)
from practice.services.stories import (
    missing_to_publish,
    story_archive,
    story_audience_set,
    story_create,
    story_publish,
    story_update,
)
from profiles.models import Notification
from tests.concurrency import at_once
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
)
from tests.practice.helpers import RECORD, author_in, draft_story, person_as, published_story

pytestmark = pytest.mark.django_db

A = PracticeStory.Audience
ST = PracticeStory.Status
LOG = ModerationLogEntry.Action
TODAY = datetime.date.today


def _fresh(obj):
    obj.refresh_from_db()
    return obj


def _notified(person, kind: str):
    return Notification.objects.filter(recipient=person, kind=f"practice.{kind}")


def _as_written(story: PracticeStory) -> dict:
    """Everything story_update takes, as the story now stands: the edit form's starting values."""
    story = PracticeStory.objects.get(pk=story.pk)
    return {
        "title": story.title,
        "summary": story.summary,
        "service_area": story.service_area,
        "sections": {name: getattr(story, name) for name, _ in RECORD_SECTIONS},
        "evidence_links": story.evidence_links,
        "tags": sorted(story.tags.names()),
        "co_authors": sorted(person.handle for person in story.co_authors.all()),
        "measures": [
            {"metric": m.metric, "before": m.before, "after": m.after, "unit": m.unit}
            for m in story.measures.all()
        ],
    }


def _snapshot(story: PracticeStory) -> tuple:
    """What a refused write must leave as it was."""
    row = PracticeStory.objects.get(pk=story.pk)
    return (
        _as_written(row),
        row.audience,
        row.community_id,
        row.status,
        row.updated_at,
        row.challenge_html,
        row.published_at,
        row.council_id,
        row.discussion_id,
    )


def _update(story: PracticeStory, actor, **changes) -> PracticeStory:
    values = _as_written(story)
    values.update(changes)
    return story_update(actor=actor, story=story, **values)


def _limit_posts_per_minute(limit: int) -> None:
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = limit
    settings_row.save()


def _measure(**fields) -> dict:
    return {"metric": "Days to collect", "before": "21", "after": "8", "unit": "days", **fields}


# --- story_create ----------------------------------------------------------------------------------------
def test_creating_a_story_saves_a_draft_with_its_record_rendered_links_tags_and_measures():
    place = CommunityFactory(visibility="open")
    author = author_in(place)
    story = story_create(
        author=author,
        community=place,
        title="  Missed   bins\nreported online ",
        summary=" Residents report   a missed bin. ",
        service_area="environment",
        audience=A.MEMBERS,
        sections={**RECORD, "evidence": "Proof <script>alert(1)</script>"},
        evidence_links=[
            {"url": " https://example.gov.uk/report ", "title": "  The   report "},
            {"url": "", "title": "an empty row is skipped"},
        ],
        tags=["Waste", "waste ", "", "Digital"],
        measures=[
            _measure(),
            {"metric": "", "before": "", "after": "", "unit": ""},  # an empty row is skipped
            _measure(metric="Cost per report", before="1,234.5", after="12", unit="£"),
        ],
    )
    story = PracticeStory.objects.get(pk=story.pk)
    assert story.title == "Missed bins reported online"
    assert story.slug == "missed-bins-reported-online"
    assert story.summary == "Residents report a missed bin."
    assert (story.status, story.audience, story.community, story.author) == (
        ST.DRAFT,
        A.MEMBERS,
        place,
        author,
    )
    assert (story.published_at, story.council, story.discussion) == (None, None, None)
    assert "<strong>days</strong>" in story.challenge_html
    assert "<script" not in story.evidence_html
    assert story.evidence_links == [{"url": "https://example.gov.uk/report", "title": "The report"}]
    assert sorted(story.tags.names()) == ["Digital", "Waste"]
    measures = [(m.metric, m.before, m.after, m.unit, m.position) for m in story.measures.all()]
    assert measures == [
        ("Days to collect", Decimal("21.00"), Decimal("8.00"), "days", 0),
        ("Cost per report", Decimal("1234.50"), Decimal("12.00"), "£", 1),
    ]
    assert not Thread.objects.exists()
    assert not Notification.objects.exists()


def test_a_draft_is_read_only_by_its_authors():
    story = draft_story()
    assert permissions.can_read(user=story.author, story=story)
    assert not permissions.can_read(user=person_as("member", story.community), story=_fresh(story))
    assert not permissions.can_read(user=AnonymousUser(), story=_fresh(story))


def test_slugs_are_unique_and_never_take_a_reserved_path():
    place = CommunityFactory(visibility="open")
    author = author_in(place)
    first = draft_story(author=author, community=place, title="Missed bins")
    second = draft_story(author=author, community=place, title="Missed  bins")
    assert (first.slug, second.slug) == ("missed-bins", "missed-bins-2")
    assert draft_story(author=author, community=place, title="New").slug == "new-story"
    assert draft_story(author=author, community=place, title="Mine").slug == "mine-story"
    assert draft_story(author=author, community=place, title="???").slug == "story"


def test_the_largest_values_allowed_are_accepted():
    story = draft_story(
        title="t" * 200,
        summary="s" * 280,
        sections={name: "x" * 10_000 for name, _ in RECORD_SECTIONS},
        evidence_links=[{"url": f"https://example.gov.uk/{n}", "title": ""} for n in range(20)],
        tags=[f"tag {n}" for n in range(10)],
        measures=[
            _measure(metric=f"Measure {n}", before="999999999999.99", after="-999999999999.99")
            for n in range(10)
        ],
    )
    story = PracticeStory.objects.get(pk=story.pk)
    assert (len(story.title), len(story.summary), len(story.what_we_did)) == (200, 280, 10_000)
    assert len(story.evidence_links) == 20
    assert story.measures.count() == 10
    assert story.measures.first().before == Decimal("999999999999.99")


NO_MEMBER = "There is no member with the handle nobody-at-all. Check the spelling."
BAD_INPUT = [
    ({"title": "   "}, "title", "Enter a title."),
    ({"title": "t" * 201}, "title", "The title must be 200 characters or fewer."),
    ({"summary": "s" * 281}, "summary", "The summary must be 280 characters or fewer. It has 281."),
    ({"service_area": "rocketry"}, "service_area", "Choose a service area from the list."),
    (
        {"sections": {**RECORD, "challenge": "x" * 10_001}},
        "challenge",
        "The challenge must be 10,000 characters or fewer. It has 10,001.",
    ),
    (
        {"sections": {**RECORD, "do_differently": "x" * 10_001}},
        "do_differently",
        "What we would do differently must be 10,000 characters or fewer. It has 10,001.",
    ),
    (
        {"evidence_links": [{"url": "javascript:alert(1)", "title": "Click"}]},
        "evidence_links",
        "Enter each link as a web address starting https:// (javascript:alert(1) is not).",
    ),
    (
        {"evidence_links": [{"url": "ftp://example.gov.uk/file", "title": ""}]},
        "evidence_links",
        "Enter each link as a web address starting https:// (ftp://example.gov.uk/file is not).",
    ),
    (
        {"evidence_links": [{"url": "data:text/html,<script>alert(1)</script>"}]},
        "evidence_links",
        "Enter each link as a web address starting https:// "
        "(data:text/html,<script>alert(1)</script> is not).",
    ),
    (
        {"evidence_links": [{"url": f"https://example.gov.uk/{n}"} for n in range(21)]},
        "evidence_links",
        "Enter 20 links or fewer.",
    ),
    ({"measures": [_measure(metric="  ")]}, "measures", "Name what each measured outcome measured."),
    (
        {"measures": [_measure(metric="m" * 201)]},
        "measures",
        "Keep a measure's name to 200 characters and its unit to 50.",
    ),
    (
        {"measures": [_measure(unit="u" * 51)]},
        "measures",
        "Keep a measure's name to 200 characters and its unit to 50.",
    ),
    (
        {"measures": [_measure(after="")]},
        "measures",
        "Enter the value before and after for “Days to collect”.",
    ),
    (
        {"measures": [_measure(before="twenty-one")]},
        "measures",
        "Enter the value before for “Days to collect” as a number, like 12 or 3.5.",
    ),
    (
        {"measures": [_measure(before="NaN")]},
        "measures",
        "Enter the value before for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(before=float("nan"))]},
        "measures",
        "Enter the value before for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(after="Infinity")]},
        "measures",
        "Enter the value after for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(after=float("-inf"))]},
        "measures",
        "Enter the value after for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(after="1e12")]},
        "measures",
        "Enter the value after for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(before="-1000000000000")]},
        "measures",
        "Enter the value before for “Days to collect” as a number below a trillion.",
    ),
    (
        {"measures": [_measure(metric=f"Measure {n}") for n in range(11)]},
        "measures",
        "Enter 10 measured outcomes or fewer.",
    ),
    ({"co_authors": ["@nobody-at-all"]}, "co_authors", NO_MEMBER),
    ({"co_authors": [f"someone-{n}" for n in range(11)]}, "co_authors", "Enter 10 co-authors or fewer."),
    ({"tags": [f"tag {n}" for n in range(11)]}, "tags", "Enter 10 tags or fewer."),
    ({"tags": ["t" * 51]}, "tags", "Each tag must be 50 characters or fewer."),
    ({"audience": "everyone"}, "audience", "Choose who can read the story."),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_INPUT)
def test_creating_a_story_with_bad_input_says_why_and_saves_nothing(fields, field, message):
    place = CommunityFactory(visibility="open")
    author = author_in(place)
    co_author = UserFactory()
    fields = {"co_authors": [co_author.handle], "measures": [_measure()], **fields}
    with pytest.raises(ValidationError) as raised:
        draft_story(author=author, community=place, **fields)
    assert raised.value.message_dict[field] == [message]
    assert not PracticeStory.objects.exists()
    assert not MeasuredOutcome.objects.exists()
    assert not Notification.objects.exists()  # the co-author is not told of a story that was not saved


def test_a_measure_that_rounds_up_to_a_trillion_is_refused_with_a_message():
    place = CommunityFactory(visibility="open")
    with pytest.raises(ValidationError) as raised:
        draft_story(author=author_in(place), community=place, measures=[_measure(before="999999999999.999")])
    assert raised.value.message_dict["measures"] == [
        "Enter the value before for “Days to collect” as a number below a trillion."
    ]
    assert not PracticeStory.objects.exists()


@pytest.mark.parametrize(
    ("visibility", "relation", "error"),
    [
        ("open", "outsider", ValidationError),
        ("open", "left", ValidationError),
        ("open", "banned", ValidationError),
        ("open", "requester", ValidationError),
        ("restricted", "outsider", ValidationError),
        ("restricted", "requester", ValidationError),
        ("restricted", "left", ValidationError),
        ("private", "outsider", Http404),
        ("private", "requester", Http404),
        ("private", "banned", Http404),
    ],
)
def test_a_story_can_only_be_written_in_a_community_the_author_is_an_active_member_of(
    visibility, relation, error
):
    place = CommunityFactory(visibility=visibility)
    author = person_as(relation, place, council=CouncilFactory(), council_linked_via="admin")
    with pytest.raises(error) as raised:
        draft_story(author=author, community=place)
    if error is ValidationError:
        assert raised.value.message_dict["community"] == ["Choose a community you are a member of."]
    assert not PracticeStory.objects.exists()


def test_a_site_admin_may_write_in_any_community():
    place = CommunityFactory(visibility="private")
    assert draft_story(author=AdminFactory(), community=place).community == place


# --- Co-authors ----------------------------------------------------------------------------------------
def test_co_authors_are_found_by_handle_and_told_once():
    place = CommunityFactory(visibility="open")
    author = author_in(place)
    first, second = UserFactory(), UserFactory()
    story = draft_story(
        author=author,
        community=place,
        co_authors=[f"@{first.handle.upper()}", f" {first.handle} ", author.handle, ""],
    )
    assert list(story.co_authors.all()) == [first]  # the author is never their own co-author
    told = _notified(first, "co_author").get()
    assert (told.actor, told.url, told.target) == (author, story.get_absolute_url(), story)
    assert story.title in told.text
    assert not _notified(author, "co_author").exists()

    story = _update(story, author, co_authors=[first.handle, second.handle])
    assert set(story.co_authors.all()) == {first, second}
    assert _notified(first, "co_author").count() == 1  # not told again
    assert _notified(second, "co_author").count() == 1

    story = _update(story, author, co_authors=[second.handle])
    assert list(story.co_authors.all()) == [second]
    assert not permissions.can_read(user=first, story=_fresh(story))


def test_deactivated_and_erased_members_cannot_be_named_co_authors():
    gone, erased = UserFactory(is_active=False), UserFactory(erased_at=timezone.now())
    for person in (gone, erased):
        with pytest.raises(ValidationError) as raised:
            draft_story(co_authors=[person.handle])
        assert raised.value.message_dict["co_authors"] == [
            f"There is no member with the handle {person.handle}. Check the spelling."
        ]
    assert not PracticeStory.objects.exists()


def test_a_co_author_can_edit_the_story_but_not_change_who_its_authors_are():
    place = CommunityFactory(visibility="open")
    co_author, other, stranger = UserFactory(), UserFactory(), UserFactory()
    story = draft_story(community=place, co_authors=[co_author.handle, other.handle])
    story = _update(story, co_author, title="Bins reported online", co_authors=[stranger.handle])
    assert _fresh(story).title == "Bins reported online"
    assert set(story.co_authors.all()) == {co_author, other}
    assert not _notified(stranger, "co_author").exists()
    _update(story, co_author, co_authors=[])
    assert set(_fresh(story).co_authors.all()) == {co_author, other}


def test_a_member_who_endorsed_and_then_became_a_co_author_no_longer_endorses_it():
    story = published_story()
    reader = UserFactory()
    endorsement_create(user=reader, story=story, comment="Good")
    story_update(
        actor=story.author,
        story=story,
        title=story.title,
        summary=story.summary,
        service_area=story.service_area,
        sections=RECORD,
        co_authors=[reader.handle],
    )
    story.refresh_from_db()
    assert story.endorsement_count == 0
    assert not Endorsement.objects.filter(user=reader).exists()


# --- story_update --------------------------------------------------------------------------------------
def test_updating_a_story_replaces_what_it_says_and_renders_it_again():
    story = draft_story(measures=[_measure()], evidence_links=[{"url": "https://a.example", "title": "A"}])
    before = story.updated_at
    story = _update(
        story,
        story.author,
        title="Bins online",
        summary="New summary.",
        service_area="digital",
        sections={**RECORD, "challenge": "It was *slow*."},
        evidence_links=[],
        tags=["Bins"],
        measures=[_measure(metric="Calls", before="100", after="40", unit="")],
    )
    story = PracticeStory.objects.get(pk=story.pk)
    assert (story.title, story.summary, story.service_area) == ("Bins online", "New summary.", "digital")
    assert "<em>slow</em>" in story.challenge_html
    assert story.evidence_links == []
    assert sorted(story.tags.names()) == ["Bins"]
    assert [(m.metric, m.before, m.after) for m in story.measures.all()] == [
        ("Calls", Decimal("100.00"), Decimal("40.00"))
    ]
    assert story.updated_at > before
    assert story.slug == "missed-bins-reported-online"  # the address does not move


@pytest.mark.parametrize(("fields", "field", "message"), BAD_INPUT)
def test_updating_a_story_with_bad_input_says_why_and_changes_nothing(fields, field, message):
    co_author = UserFactory()
    story = draft_story(measures=[_measure()], co_authors=[co_author.handle])
    Notification.objects.all().delete()
    before = _snapshot(story)
    with pytest.raises(ValidationError) as raised:
        _update(story, story.author, **fields)
    assert raised.value.message_dict[field] == [message]
    assert _snapshot(story) == before
    assert not Notification.objects.exists()


def test_the_services_refuse_a_null_character_in_a_link_or_a_tag():
    story = draft_story()
    bad_link = [{"url": "https://example.com/\x00", "title": ""}]
    for changes in ({"evidence_links": bad_link}, {"tags": ["a\x00"]}):
        with pytest.raises(ValidationError):
            story_update(actor=story.author, story=story, title=story.title, sections=RECORD, **changes)


def test_a_published_story_keeps_the_parts_it_needs_to_be_published():
    story = published_story()
    with pytest.raises(ValidationError):
        _update(story, story.author, summary="", sections={**RECORD, "outcomes": ""})
    assert _fresh(story).outcomes == RECORD["outcomes"]


@pytest.mark.parametrize(
    ("relation", "error"),
    [("outsider", Http404), ("member", Http404), ("owner", Http404), ("site_admin", PermissionDenied)],
)
def test_only_its_authors_can_update_a_draft(relation, error):
    story = draft_story()
    before = _snapshot(story)
    with pytest.raises(error):
        _update(story, person_as(relation, story.community), title="Taken over")
    assert _snapshot(story) == before


def test_a_reader_who_is_not_an_author_cannot_update_a_published_story():
    story = published_story()
    before = _snapshot(story)
    with pytest.raises(PermissionDenied):
        _update(story, person_as("member", story.community), title="Taken over")
    assert _snapshot(story) == before


def test_a_published_storys_audience_and_home_community_do_not_change_through_an_edit():
    story = published_story(audience=A.COMMUNITY)
    elsewhere = CommunityFactory(visibility="open")
    MembershipFactory(community=elsewhere, user=story.author)
    before = _snapshot(story)
    for change in ({"audience": A.PUBLIC}, {"community": elsewhere}):
        with pytest.raises(ValidationError) as raised:
            _update(story, story.author, title="Changed", **change)
        assert raised.value.message_dict["audience"] == [
            "Change who can read a published story from its page."
        ]
        assert _snapshot(story) == before
    # The same audience and community, given back as they are, are fine.
    _update(story, story.author, title="Changed", audience=A.COMMUNITY, community=story.community)
    story = _fresh(story)
    assert (story.title, story.audience, story.community_id) == ("Changed", A.COMMUNITY, before[2])


def test_a_drafts_audience_and_home_community_change_with_an_edit():
    story = draft_story(audience=A.COMMUNITY)
    elsewhere = CommunityFactory(visibility="private")
    MembershipFactory(community=elsewhere, user=story.author)
    story = _update(story, story.author, audience=A.MEMBERS, community=elsewhere)
    story = _fresh(story)
    assert (story.audience, story.community) == (A.MEMBERS, elsewhere)


@pytest.mark.parametrize(("visibility", "error"), [("open", ValidationError), ("private", Http404)])
def test_a_draft_cannot_move_to_a_community_its_editor_is_not_a_member_of(visibility, error):
    story = draft_story()
    before = _snapshot(story)
    with pytest.raises(error):
        _update(story, story.author, community=CommunityFactory(visibility=visibility))
    assert _snapshot(story) == before


# --- story_publish -------------------------------------------------------------------------------------
def test_publishing_records_the_council_and_starts_the_discussion_in_the_home_community():
    place = CommunityFactory(visibility="restricted")
    story = draft_story(community=place, tags=["Waste", "Bins"])
    story = story_publish(actor=story.author, story=story)
    story = PracticeStory.objects.get(pk=story.pk)
    assert story.status == ST.PUBLISHED
    assert story.council == story.author.council
    assert story.published_at is not None
    thread = story.discussion
    assert (thread.community, thread.author, thread.title) == (place, story.author, story.title)
    assert sorted(thread.tags.names()) == ["Bins", "Waste"]
    opening = thread.opening_post
    assert story.summary in opening.body
    assert f"]({story.get_absolute_url()})" in opening.body
    assert f'href="{story.get_absolute_url()}"' in opening.body_html
    assert story in permissions.listed_stories(AnonymousUser())


def test_publishing_tells_the_home_communitys_active_members_and_nobody_else():
    place = CommunityFactory(visibility="open")
    story = draft_story(community=place)
    people = {relation: person_as(relation, place) for relation in ("member", "facilitator", "owner")}
    others = {
        relation: person_as(relation, place)
        for relation in ("outsider", "requester", "invited", "declined", "left", "removed", "banned")
    }
    elsewhere = person_as("member", CommunityFactory(visibility="open"))
    story_publish(actor=story.author, story=story)
    for relation, person in people.items():
        told = _notified(person, "published").get()
        expected = (story.author, story.get_absolute_url(), story)
        assert (told.actor, told.url, told.target) == expected, relation
        assert story.title in told.text
        assert place.name in told.text
    for relation, person in [*others.items(), ("elsewhere", elsewhere), ("author", story.author)]:
        assert not _notified(person, "published").exists(), relation
    assert _notified(place.created_by, "published").count() == 1  # the community's owner is a member too


def test_publishing_tells_co_authors_who_are_not_members_of_the_home_community():
    place = CommunityFactory()
    outside = UserFactory()
    story = draft_story(community=place, co_authors=[outside.handle])
    story_publish(actor=story.author, story=story)
    assert Notification.objects.filter(recipient=outside, kind="practice.published").count() == 1
    assert not Notification.objects.filter(recipient=story.author, kind="practice.published").exists()


def test_a_co_author_outside_a_private_home_community_is_told_of_publication_without_its_name():
    place = CommunityFactory(visibility="private", name="Secret Circle")
    outside = UserFactory()
    story = draft_story(community=place, author=author_in(place), co_authors=[outside.handle])
    story_publish(actor=story.author, story=story)
    notice = Notification.objects.get(recipient=outside, kind="practice.published")
    assert "Secret Circle" not in notice.text


def test_a_co_author_cannot_publish():
    place = CommunityFactory(visibility="open")
    co_author = author_in(place)
    story = draft_story(community=place, co_authors=[co_author.handle])
    before = _snapshot(story)
    with pytest.raises(PermissionDenied) as raised:
        story_publish(actor=co_author, story=story)
    assert "Only the story's author can publish it." in str(raised.value)
    assert _snapshot(story) == before
    assert not Thread.objects.exists()


def test_someone_who_is_not_an_author_cannot_publish_a_draft_or_learn_it_exists():
    story = draft_story()
    for person in (person_as("owner", story.community), person_as("outsider", story.community)):
        with pytest.raises(Http404):
            story_publish(actor=person, story=story)
    with pytest.raises(PermissionDenied):
        story_publish(actor=AdminFactory(), story=story)
    assert _fresh(story).is_draft


def test_an_author_without_a_verified_council_cannot_publish():
    place = CommunityFactory(visibility="open")
    author = person_as("member", place)
    story = draft_story(author=author, community=place)
    with pytest.raises(PermissionDenied) as raised:
        story_publish(actor=author, story=story)
    assert "verified council affiliation" in str(raised.value)
    assert _fresh(story).is_draft
    assert not Thread.objects.exists()


def test_an_author_who_left_the_home_community_cannot_publish_there():
    place = CommunityFactory(visibility="open")
    story = draft_story(community=place)
    membership_leave(user=story.author, community=place)
    with pytest.raises(PermissionDenied) as raised:
        story_publish(actor=story.author, story=story)
    assert "Join the story's home community again" in str(raised.value)
    assert _fresh(story).is_draft


def test_publishing_needs_the_records_core_and_says_what_is_missing():
    story = draft_story(summary="", service_area="", sections={"evidence": "Some."})
    assert [field for field, _ in missing_to_publish(story)] == [
        "summary",
        "service_area",
        "challenge",
        "what_we_did",
        "outcomes",
    ]
    with pytest.raises(ValidationError) as raised:
        story_publish(actor=story.author, story=story)
    assert raised.value.message_dict == {
        "summary": ["Write a summary before you publish."],
        "service_area": ["Choose a service area before you publish."],
        "challenge": ["Describe the challenge before you publish."],
        "what_we_did": ["Say what you did before you publish."],
        "outcomes": ["Describe the outcomes before you publish."],
    }
    story = _fresh(story)
    assert (story.status, story.published_at, story.council) == (ST.DRAFT, None, None)
    assert not Thread.objects.exists()
    assert missing_to_publish(draft_story(community=story.community, author=story.author)) == []


def test_publishing_a_published_story_again_is_an_error():
    story = published_story()
    with pytest.raises(ValidationError) as raised:
        story_publish(actor=story.author, story=story)
    assert raised.value.messages == ["This story is already published."]
    assert Thread.objects.count() == 1


def test_an_archived_story_comes_back_without_a_second_discussion_or_announcement():
    place = CommunityFactory(visibility="open")
    reader = person_as("member", place)
    story = published_story(community=place)
    first = PracticeStory.objects.get(pk=story.pk)
    story = story_archive(actor=story.author, story=story)
    assert _fresh(story).is_archived
    assert story not in permissions.listed_stories(reader)
    assert permissions.can_read(user=reader, story=_fresh(story))  # its page stays for its audience

    # The author has moved council since: the story stays with the council it was published from.
    story.author.council = CouncilFactory()
    story.author.save()
    story = story_publish(actor=story.author, story=story)
    story = _fresh(story)
    assert story.is_published
    assert (story.published_at, story.council_id, story.discussion_id) == (
        first.published_at,
        first.council_id,
        first.discussion_id,
    )
    assert Thread.objects.count() == 1
    assert _notified(reader, "published").count() == 1


def test_only_a_published_story_can_be_archived_and_only_by_its_authors():
    story = draft_story()
    with pytest.raises(ValidationError) as raised:
        story_archive(actor=story.author, story=story)
    assert raised.value.messages == ["Only a published story can be archived."]
    story = story_publish(actor=story.author, story=story)
    with pytest.raises(PermissionDenied):
        story_archive(actor=person_as("owner", story.community), story=story)
    assert _fresh(story).is_published


def test_publishing_is_refused_and_nothing_changes_when_the_author_has_used_up_their_posts():
    place = CommunityFactory(visibility="open")
    reader = person_as("member", place)
    story = draft_story(community=place)
    _limit_posts_per_minute(1)
    thread_create(author=story.author, community=place, title="Bins", body="Anyone else?")
    with pytest.raises(ValidationError) as raised:
        story_publish(actor=story.author, story=story)
    assert "You can post 1 time a minute" in raised.value.messages[0]
    story = PracticeStory.objects.get(pk=story.pk)
    assert (story.status, story.published_at, story.council, story.discussion) == (ST.DRAFT, None, None, None)
    assert Thread.objects.count() == 1
    assert Post.objects.count() == 1
    assert not _notified(reader, "published").exists()


# --- story_audience_set --------------------------------------------------------------------------------
def test_widening_the_audience_without_confirming_changes_nothing():
    co_author = UserFactory()
    story = published_story(audience=A.COMMUNITY, co_authors=[co_author.handle])
    before = _snapshot(story)
    for wider in (A.MEMBERS, A.PUBLIC):
        with pytest.raises(ValidationError) as raised:
            story_audience_set(actor=story.author, story=story, audience=wider)
        assert raised.value.message_dict == {
            "confirm": ["Confirm that you want more people to read this story."]
        }
    assert _snapshot(story) == before
    assert not ModerationLogEntry.objects.filter(action=LOG.STORY_AUDIENCE).exists()
    assert not _notified(co_author, "audience").exists()


def test_a_confirmed_widening_is_logged_in_the_home_community_and_told_to_the_other_authors():
    place = CommunityFactory(visibility="private")
    co_author = UserFactory()
    story = published_story(community=place, audience=A.COMMUNITY, co_authors=[co_author.handle])
    assert story not in permissions.listed_stories(AnonymousUser())
    story_audience_set(actor=story.author, story=story, audience=A.PUBLIC, confirmed=True)
    assert _fresh(story).audience == A.PUBLIC
    assert story in permissions.listed_stories(AnonymousUser())
    entry = ModerationLogEntry.objects.get(action=LOG.STORY_AUDIENCE)
    assert (entry.community, entry.actor, entry.about_title, entry.about_url) == (
        place,
        story.author,
        story.title,
        story.get_absolute_url(),
    )
    assert entry.reason == (
        "From “Those who can read the home community” to “Anyone, including people who are not signed in”."
    )
    told = _notified(co_author, "audience").get()
    assert (told.actor, told.url) == (story.author, story.get_absolute_url())
    assert not _notified(story.author, "audience").exists()


def test_narrowing_needs_no_confirmation_and_takes_the_story_out_of_public_lists():
    co_author = UserFactory()
    story = published_story(audience=A.PUBLIC, co_authors=[co_author.handle])
    assert story in permissions.listed_stories(AnonymousUser())
    story_audience_set(actor=co_author, story=story, audience=A.MEMBERS)
    assert _fresh(story).audience == A.MEMBERS
    assert story not in permissions.listed_stories(AnonymousUser())
    assert not permissions.can_read(user=AnonymousUser(), story=_fresh(story))
    assert ModerationLogEntry.objects.get(action=LOG.STORY_AUDIENCE).actor == co_author
    assert _notified(story.author, "audience").count() == 1  # a co-author acted: the author is told


def test_an_archived_storys_audience_can_change():
    story = published_story(audience=A.PUBLIC)
    story_archive(actor=story.author, story=story)
    story_audience_set(actor=story.author, story=story, audience=A.COMMUNITY)
    assert _fresh(story).audience == A.COMMUNITY


def test_a_drafts_audience_does_not_change_this_way():
    story = draft_story(audience=A.COMMUNITY)
    with pytest.raises(ValidationError) as raised:
        story_audience_set(actor=story.author, story=story, audience=A.PUBLIC, confirmed=True)
    assert raised.value.message_dict == {"audience": ["Choose a draft's audience when you edit it."]}
    assert _fresh(story).audience == A.COMMUNITY
    assert not ModerationLogEntry.objects.filter(action=LOG.STORY_AUDIENCE).exists()


def test_setting_the_same_or_an_unknown_audience_is_refused():
    story = published_story(audience=A.MEMBERS)
    with pytest.raises(ValidationError) as raised:
        story_audience_set(actor=story.author, story=story, audience=A.MEMBERS, confirmed=True)
    assert raised.value.message_dict == {"audience": ["That is already who can read it."]}
    with pytest.raises(ValidationError) as raised:
        story_audience_set(actor=story.author, story=story, audience="the world", confirmed=True)
    assert raised.value.message_dict == {"audience": ["Choose who can read the story."]}
    assert not ModerationLogEntry.objects.filter(action=LOG.STORY_AUDIENCE).exists()


def test_only_its_authors_change_who_can_read_a_story():
    story = published_story(audience=A.MEMBERS)
    for person in (person_as("owner", story.community), AdminFactory()):
        with pytest.raises(PermissionDenied):
            story_audience_set(actor=person, story=story, audience=A.COMMUNITY)
    assert _fresh(story).audience == A.MEMBERS


# --- Endorsements --------------------------------------------------------------------------------------
def test_a_member_endorses_a_story_once_and_its_authors_are_told():
    co_author = UserFactory()
    story = published_story(co_authors=[co_author.handle])
    reader = UserFactory()
    endorsement = endorsement_create(user=reader, story=story, comment="  We did the same.  ")
    assert (endorsement.story, endorsement.user, endorsement.comment) == (story, reader, "We did the same.")
    assert _fresh(story).endorsement_count == 1
    for author in (story.author, co_author):
        told = _notified(author, "endorsed").get()
        assert (told.actor, told.url, told.target) == (reader, story.get_absolute_url(), story)
        assert reader.public_name in told.text
    with pytest.raises(ValidationError) as raised:
        endorsement_create(user=reader, story=story)
    assert raised.value.messages == ["You have already endorsed this story."]
    assert Endorsement.objects.count() == 1
    assert _fresh(story).endorsement_count == 1
    assert _notified(story.author, "endorsed").count() == 1


def test_its_authors_cannot_endorse_their_own_story():
    co_author = UserFactory()
    story = published_story(co_authors=[co_author.handle])
    for person in (story.author, co_author):
        with pytest.raises(ValidationError) as raised:
            endorsement_create(user=person, story=story)
        assert raised.value.messages == ["You wrote this story, so you cannot endorse it."]
    assert not Endorsement.objects.exists()
    assert _fresh(story).endorsement_count == 0


def test_a_story_that_is_not_published_cannot_be_endorsed():
    draft = draft_story()
    with pytest.raises(Http404):
        endorsement_create(user=UserFactory(), story=draft)
    with pytest.raises(ValidationError) as raised:
        endorsement_create(user=AdminFactory(), story=draft)  # may read it, may not endorse it
    assert raised.value.messages == ["Only a published story can be endorsed."]
    archived = story_archive(actor=(story := published_story()).author, story=story)
    with pytest.raises(ValidationError) as raised:
        endorsement_create(user=UserFactory(), story=archived)
    assert raised.value.messages == ["Only a published story can be endorsed."]
    assert not Endorsement.objects.exists()


def test_a_story_the_member_may_not_read_cannot_be_endorsed_and_stays_hidden():
    place = CommunityFactory(visibility="private")
    story = published_story(community=place, audience=A.COMMUNITY)
    for relation in ("outsider", "requester", "left", "banned"):
        with pytest.raises(Http404):
            endorsement_create(user=person_as(relation, place), story=story)
    assert _fresh(story).endorsement_count == 0
    assert not _notified(story.author, "endorsed").exists()


def test_an_endorsements_comment_has_a_limit():
    story = published_story()
    with pytest.raises(ValidationError) as raised:
        endorsement_create(user=UserFactory(), story=story, comment="c" * 1001)
    assert raised.value.message_dict == {
        "comment": ["Your comment must be 1,000 characters or fewer. It has 1,001."]
    }
    assert not Endorsement.objects.exists()
    assert endorsement_create(user=UserFactory(), story=story, comment="c" * 1000).comment == "c" * 1000


def test_the_endorsement_count_follows_endorsements_and_withdrawals():
    story = published_story()
    readers = [UserFactory() for _ in range(3)]
    for reader in readers:
        endorsement_create(user=reader, story=story)
    assert _fresh(story).endorsement_count == 3
    endorsement_withdraw(user=readers[0], story=story)
    assert _fresh(story).endorsement_count == 2
    assert not Endorsement.objects.filter(user=readers[0]).exists()
    with pytest.raises(ValidationError) as raised:
        endorsement_withdraw(user=readers[0], story=story)
    assert raised.value.messages == ["You have not endorsed this story."]
    with pytest.raises(ValidationError):
        endorsement_withdraw(user=UserFactory(), story=story)
    assert _fresh(story).endorsement_count == 2
    endorsement_create(user=readers[0], story=story)  # may endorse again after withdrawing
    assert _fresh(story).endorsement_count == Endorsement.objects.filter(story=story).count() == 3


def test_withdrawing_an_endorsement_of_a_story_one_may_not_read_does_not_reveal_it():
    place = CommunityFactory(visibility="private")
    story = published_story(community=place, audience=A.COMMUNITY)
    with pytest.raises(Http404):
        endorsement_withdraw(user=person_as("outsider", place), story=story)


# --- Promotion -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("relation", ["facilitator", "owner", "site_admin"])
def test_the_home_communitys_facilitators_promote_a_story_logged_and_told_to_its_authors(relation):
    place = CommunityFactory(visibility="private")
    co_author = UserFactory()
    story = published_story(community=place, audience=A.COMMUNITY, co_authors=[co_author.handle])
    promoter = person_as(relation, place)
    story_promote(actor=promoter, story=story)
    story = _fresh(story)
    assert story.is_promoted
    assert story.promoted_by == promoter
    entry = ModerationLogEntry.objects.get(action=LOG.STORY_PROMOTED)
    assert (entry.community, entry.actor, entry.about_title, entry.about_url) == (
        place,
        promoter,
        story.title,
        story.get_absolute_url(),
    )
    for author in (story.author, co_author):
        assert _notified(author, "promoted").get().actor == promoter


@pytest.mark.parametrize(("relation", "error"), [("member", PermissionDenied), ("outsider", Http404)])
def test_others_cannot_promote_a_story(relation, error):
    place = CommunityFactory(visibility="private")
    story = published_story(community=place, audience=A.COMMUNITY)
    with pytest.raises(error):
        story_promote(actor=person_as(relation, place), story=story)
    assert not _fresh(story).is_promoted
    assert not ModerationLogEntry.objects.filter(action=LOG.STORY_PROMOTED).exists()
    assert not _notified(story.author, "promoted").exists()


def test_a_facilitator_of_another_community_cannot_promote_a_public_story():
    story = published_story(audience=A.PUBLIC)
    with pytest.raises(PermissionDenied) as raised:
        story_promote(actor=person_as("facilitator", CommunityFactory()), story=story)
    assert "Only the home community's facilitators can promote a published story." in str(raised.value)
    assert not _fresh(story).is_promoted


def test_a_facilitator_cannot_promote_their_own_story_and_nothing_is_logged():
    place = CommunityFactory()
    story = published_story(community=place, author=place.created_by)  # the owner wrote it
    with pytest.raises(PermissionDenied, match="another facilitator"):
        story_promote(actor=place.created_by, story=story)
    story.refresh_from_db()
    assert not story.is_promoted
    assert not ModerationLogEntry.objects.filter(action=ModerationLogEntry.Action.STORY_PROMOTED).exists()


def test_a_draft_cannot_be_promoted_even_by_a_site_admin():
    story = draft_story()
    with pytest.raises(PermissionDenied):
        story_promote(actor=AdminFactory(), story=story)
    assert not _fresh(story).is_promoted


def test_a_promoted_story_cannot_be_promoted_again():
    story = published_story()
    facilitator = person_as("facilitator", story.community)
    story_promote(actor=facilitator, story=story)
    first = _fresh(story).promoted_at
    with pytest.raises(ValidationError) as raised:
        story_promote(actor=person_as("owner", story.community), story=story)
    assert raised.value.messages == ["This story is already Practice worth repeating."]
    story = _fresh(story)
    assert (story.promoted_at, story.promoted_by) == (first, facilitator)
    assert ModerationLogEntry.objects.filter(action=LOG.STORY_PROMOTED).count() == 1


def test_withdrawing_a_promotion_needs_a_reason_which_is_logged_and_told_to_the_authors():
    co_author = UserFactory()
    story = published_story(co_authors=[co_author.handle])
    facilitator = person_as("facilitator", story.community)
    with pytest.raises(ValidationError) as raised:
        story_promotion_withdraw(actor=facilitator, story=story, reason="Outdated")
    assert raised.value.messages == ["This story is not promoted."]
    story_promote(actor=facilitator, story=story)
    for reason, message in (("  ", "Give a reason: the authors will see it."), ("r" * 2001, None)):
        with pytest.raises(ValidationError) as raised:
            story_promotion_withdraw(actor=facilitator, story=story, reason=reason)
        if message:
            assert raised.value.message_dict == {"reason": [message]}
        assert _fresh(story).is_promoted
    with pytest.raises(PermissionDenied):
        story_promotion_withdraw(actor=person_as("member", story.community), story=story, reason="No")
    assert _fresh(story).is_promoted

    owner = story.community.created_by
    story_promotion_withdraw(actor=owner, story=story, reason="  The figures are out of date.  ")
    story = _fresh(story)
    assert (story.promoted_at, story.promoted_by) == (None, None)
    entry = ModerationLogEntry.objects.get(action=LOG.STORY_UNPROMOTED)
    assert (entry.actor, entry.reason, entry.about_title, entry.about_url) == (
        owner,
        "The figures are out of date.",
        story.title,
        story.get_absolute_url(),
    )
    for author in (story.author, co_author):
        told = _notified(author, "unpromoted").get()
        assert "The figures are out of date." in told.text
        assert told.actor == owner


# --- Adoptions -----------------------------------------------------------------------------------------
def test_a_verified_member_of_another_council_records_that_their_council_repeated_a_story():
    co_author = UserFactory()
    story = published_story(co_authors=[co_author.handle])
    adopter = VerifiedMemberFactory()
    adoption = adoption_record(
        user=adopter,
        story=story,
        outcome=Adoption.Outcome.ADAPTED,
        started_on=TODAY(),
        notes="  We used it for fly-tipping.  ",
    )
    adoption = Adoption.objects.get(pk=adoption.pk)
    assert (adoption.council, adoption.recorded_by, adoption.notes) == (
        adopter.council,
        adopter,
        "We used it for fly-tipping.",
    )
    assert _fresh(story).adoption_count == 1
    for author in (story.author, co_author):
        told = _notified(author, "adopted").get()
        assert (told.actor, told.url) == (adopter, story.get_absolute_url())
        assert adopter.council.name in told.text
        assert "adapted" in told.text


def test_a_council_cannot_record_that_it_repeated_its_own_story():
    story = published_story()
    colleague = VerifiedMemberFactory(council=story.council)
    with pytest.raises(ValidationError) as raised:
        adoption_record(user=colleague, story=story, outcome="adopted", started_on=TODAY())
    assert "your own council's story" in raised.value.messages[0]
    assert not Adoption.objects.exists()
    assert _fresh(story).adoption_count == 0


def test_a_co_author_from_another_council_cannot_record_repeating_their_own_story():
    place = CommunityFactory()
    partner = VerifiedMemberFactory()  # a council of their own
    story = published_story(community=place, co_authors=[partner.handle])
    with pytest.raises(ValidationError, match="You wrote this story"):
        adoption_record(user=partner, story=story, outcome="adopted", started_on=story.created_at.date())
    assert not Adoption.objects.exists()


def test_a_member_without_a_verified_council_cannot_record_a_repeat():
    story = published_story()
    unverified = UserFactory(council=CouncilFactory(), council_linked_via="")
    with pytest.raises(PermissionDenied) as raised:
        adoption_record(user=unverified, story=story, outcome="adopted", started_on=TODAY())
    assert "verified council affiliation" in str(raised.value)
    assert not Adoption.objects.exists()


def test_each_council_records_a_story_once_and_is_told_who_recorded_it():
    story = published_story()
    council = CouncilFactory(name="Northshire Council")
    first = VerifiedMemberFactory(council=council, display_name="Priya Shah")
    adoption_record(user=first, story=story, outcome="adopted", started_on=TODAY())
    with pytest.raises(ValidationError) as raised:
        adoption_record(
            user=VerifiedMemberFactory(council=council), story=story, outcome="stopped", started_on=TODAY()
        )
    assert raised.value.messages == ["Northshire Council has already recorded this, by Priya Shah."]
    Adoption.objects.update(recorded_by=None)
    with pytest.raises(ValidationError) as raised:
        adoption_record(user=first, story=story, outcome="adopted", started_on=TODAY())
    assert raised.value.messages == ["Northshire Council has already recorded this, by a former member."]
    assert Adoption.objects.count() == 1
    assert _fresh(story).adoption_count == 1
    adoption_record(user=VerifiedMemberFactory(), story=story, outcome="stopped", started_on=TODAY())
    assert _fresh(story).adoption_count == Adoption.objects.filter(story=story).count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"outcome": "loved it"}, "outcome", "Choose how it went."),
        (
            {"started_on": "tomorrow"},  # worked out as the test runs: a run can cross midnight
            "started_on",
            "Enter when you started: today or a date in the past.",
        ),
        ({"started_on": None}, "started_on", "Enter when you started: today or a date in the past."),
        ({"started_on": datetime.date(1989, 12, 31)}, "started_on", "Enter a year from 1990 onwards."),
        ({"notes": "n" * 2001}, "notes", "Your notes must be 2,000 characters or fewer."),
    ],
)
def test_recording_a_repeat_with_bad_input_says_why_and_saves_nothing(fields, field, message):
    story = published_story()
    values = {"outcome": "adopted", "started_on": TODAY(), **fields}
    if values["started_on"] == "tomorrow":
        values["started_on"] = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        adoption_record(user=VerifiedMemberFactory(), story=story, **values)
    assert raised.value.message_dict == {field: [message]}
    assert not Adoption.objects.exists()
    assert _fresh(story).adoption_count == 0
    assert not _notified(story.author, "adopted").exists()


def test_a_follow_up_must_be_a_published_story_from_the_adopters_own_council():
    story = published_story()
    place = CommunityFactory(visibility="open")
    adopter = author_in(place)
    own = published_story(community=place, author=adopter, title="Our version")
    own_draft = draft_story(community=place, author=adopter, title="Our draft")
    colleague = author_in(place, council=adopter.council)
    colleagues = published_story(community=place, author=colleague, title="A colleague's version")
    other_council = published_story(title="Somebody else's")
    for wrong in (own_draft, other_council, story):
        with pytest.raises(ValidationError) as raised:
            adoption_record(user=adopter, story=story, outcome="adopted", started_on=TODAY(), follow_up=wrong)
        assert raised.value.message_dict == {"follow_up": ["Choose a published story from your own council."]}
    assert not Adoption.objects.exists()
    adoption = adoption_record(
        user=adopter, story=story, outcome="adopted", started_on=TODAY(), follow_up=own
    )
    assert adoption.follow_up == own
    assert colleagues.council == adopter.council  # a colleague's story would have done as well


def test_a_story_the_member_may_not_read_or_that_is_not_published_cannot_be_repeated():
    private = CommunityFactory(visibility="private")
    hidden = published_story(community=private, audience=A.COMMUNITY)
    with pytest.raises(Http404):
        adoption_record(user=VerifiedMemberFactory(), story=hidden, outcome="adopted", started_on=TODAY())
    with pytest.raises(Http404):
        adoption_record(
            user=VerifiedMemberFactory(), story=draft_story(), outcome="adopted", started_on=TODAY()
        )
    archived = story_archive(actor=(story := published_story()).author, story=story)
    with pytest.raises(ValidationError) as raised:
        adoption_record(user=VerifiedMemberFactory(), story=archived, outcome="adopted", started_on=TODAY())
    assert raised.value.messages == ["Only a published story can be repeated."]
    assert not Adoption.objects.exists()


def _recorded(story=None):
    story = story or published_story()
    recorder = VerifiedMemberFactory()
    adoption = adoption_record(user=recorder, story=story, outcome="adopted", started_on=TODAY())
    return story, recorder, adoption


@pytest.mark.parametrize("who", ["recorder", "colleague", "site_admin"])
def test_a_repeat_is_withdrawn_by_its_recorder_a_colleague_or_a_site_admin(who):
    story, recorder, adoption = _recorded()
    actor = {
        "recorder": recorder,
        "colleague": VerifiedMemberFactory(council=recorder.council),
        "site_admin": AdminFactory(),
    }[who]
    adoption_withdraw(actor=actor, adoption=adoption)
    assert not Adoption.objects.exists()
    assert _fresh(story).adoption_count == 0


def test_others_cannot_withdraw_a_councils_repeat():
    story, recorder, adoption = _recorded()
    others = [
        story.author,
        VerifiedMemberFactory(),  # another council
        UserFactory(council=recorder.council, council_linked_via=""),  # claims the council, unverified
        person_as("owner", story.community),
    ]
    for person in others:
        with pytest.raises(PermissionDenied):
            adoption_withdraw(actor=person, adoption=adoption)
    assert Adoption.objects.filter(pk=adoption.pk).exists()
    assert _fresh(story).adoption_count == 1


def test_the_adoption_count_stays_exact_as_councils_record_and_withdraw():
    story = published_story()
    adoptions = [_recorded(story)[2] for _ in range(3)]
    assert _fresh(story).adoption_count == 3
    adoption_withdraw(actor=adoptions[1].recorded_by, adoption=adoptions[1])
    assert _fresh(story).adoption_count == Adoption.objects.filter(story=story).count() == 2


def test_removing_an_adoption_twice_says_so_and_keeps_the_count():
    story = published_story()
    adopter = VerifiedMemberFactory()
    started = story.created_at.date()
    adoption = adoption_record(user=adopter, story=story, outcome="adopted", started_on=started)
    stale = Adoption.objects.get(pk=adoption.pk)
    adoption_withdraw(actor=adopter, adoption=adoption)
    with pytest.raises(ValidationError, match="already removed"):
        adoption_withdraw(actor=adopter, adoption=stale)
    story.refresh_from_db()
    assert story.adoption_count == 0


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_endorsements_at_once_are_both_saved_and_counted(postgres_only):
    story = published_story()
    readers = [UserFactory() for _ in range(2)]
    errors = at_once(
        *(
            lambda reader=reader: endorsement_create(
                user=reader, story=PracticeStory.objects.get(pk=story.pk)
            )
            for reader in readers
        )
    )
    assert errors == []
    assert set(Endorsement.objects.filter(story=story).values_list("user", flat=True)) == {
        r.pk for r in readers
    }
    assert _fresh(story).endorsement_count == 2


@pytest.mark.django_db(transaction=True)
def test_two_members_of_one_council_recording_at_once_make_one_adoption(postgres_only):
    story = published_story()
    council = CouncilFactory()
    colleagues = [VerifiedMemberFactory(council=council) for _ in range(2)]
    errors = at_once(
        *(
            lambda person=person: adoption_record(
                user=person,
                story=PracticeStory.objects.get(pk=story.pk),
                outcome="adopted",
                started_on=TODAY(),
            )
            for person in colleagues
        )
    )
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert "has already recorded this" in errors[0].messages[0]
    assert Adoption.objects.filter(story=story).count() == 1
    assert _fresh(story).adoption_count == 1
