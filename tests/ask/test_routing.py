"""The ranking behind Ask the hub and the "People who can help" panel (ask.routing): each signal and the
words it gives, who is never suggested, what the viewer may read, and a fixed number of queries."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from ask.models import QuestionAsk
from ask.routing import (
    Topic,
    councils_that_repeated,
    help_panel,
    related_stories,
    significant_words,
    similar_content,
    suggest_people,
)
from communities.models import Community
from communities.services.conversations import (
    post_helpful_toggle,
    post_reply,
    thread_create,
    thread_mark_answer,
)
from practice.models import PracticeStory
from practice.services.recognition import adoption_record
from profiles.models import User
from tests.ask.helpers import question
from tests.factories import CommunityFactory, MembershipFactory, VerifiedMemberFactory, with_tags
from tests.practice.helpers import author_in, published_story

pytestmark = pytest.mark.django_db

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: text similarity is PostgreSQL full-text (SQLite: tag overlap)"
)
only_sqlite = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite fallback (tag overlap only)")

WASTE = Topic(
    title="How do you cut missed bin collections?", tags=("waste collection",), service_area="environment"
)


def names(suggestions) -> list[str]:
    return [s.person.display_name for s in suggestions]


def reasons_of(suggestions, person) -> list[str]:
    return next(s.reasons for s in suggestions if s.person.pk == person.pk)


def suggested_ids(suggestions) -> list[int]:
    return [s.person.pk for s in suggestions]


def expert(tag="waste collection", **fields):
    return with_tags(VerifiedMemberFactory(**fields), expertise=[tag])


def story_by(author=None, *, tags=("waste collection",), title="Missed bins reported online", **fields):
    community = fields.pop("community", None) or CommunityFactory(visibility=fields.pop("visibility", "open"))
    author = author or author_in(community)
    if not community.memberships.filter(user=author).exists():
        MembershipFactory(community=community, user=author)
    fields.setdefault("summary", title)  # the helpers' record speaks of bins: only the title says here
    fields.setdefault(
        "sections", {"challenge": "It was slow.", "what_we_did": "We changed it.", "outcomes": "Quick."}
    )
    return published_story(community=community, author=author, tags=list(tags), title=title, **fields)


def answered_question(
    *, community=None, tags=("waste collection",), title="Bin rounds after the rota change"
):
    """A question in `community` (open by default) whose reply is the accepted answer: its author."""
    community = community or CommunityFactory()
    asker, answerer = VerifiedMemberFactory(), VerifiedMemberFactory()
    for person in (asker, answerer):
        MembershipFactory(community=community, user=person)
    thread = thread_create(
        author=asker, community=community, title=title, body="How?", kind="question", tags=list(tags)
    )
    reply = post_reply(author=answerer, thread=thread, body="Like this.")
    thread_mark_answer(actor=asker, thread=thread, post=reply)
    return answerer


def helpful_reply(*, community=None, tags=("waste collection",), title="Garden waste charges"):
    """A reply marked helpful in a conversation of `community`; returns its author."""
    community = community or CommunityFactory()
    opener, replier, reader = VerifiedMemberFactory(), VerifiedMemberFactory(), VerifiedMemberFactory()
    for person in (opener, replier, reader):
        MembershipFactory(community=community, user=person)
    thread = thread_create(author=opener, community=community, title=title, body="Thoughts?", tags=list(tags))
    reply = post_reply(author=replier, thread=thread, body="We charge.")
    post_helpful_toggle(user=reader, post=reply)
    return replier


# --- Each signal, in words -------------------------------------------------------------------------------
def test_expertise_matching_a_tag_is_a_reason_in_words():
    viewer, person = VerifiedMemberFactory(), expert()
    with_tags(VerifiedMemberFactory(), expertise=["planning"])
    suggestions = suggest_people(viewer=viewer, topic=WASTE)
    assert suggested_ids(suggestions) == [person.pk]
    assert reasons_of(suggestions, person) == ["expertise: waste collection"]


def test_tags_match_whatever_their_case():
    person = expert()
    topic = Topic(title="Bins", tags=("Waste Collection",))
    assert suggested_ids(suggest_people(viewer=VerifiedMemberFactory(), topic=topic)) == [person.pk]


def test_the_author_and_a_co_author_of_a_related_story_are_suggested_naming_it():
    co_author = VerifiedMemberFactory()
    story = story_by()
    story.co_authors.add(co_author)
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert set(suggested_ids(suggestions)) == {story.author_id, co_author.pk}
    assert reasons_of(suggestions, story.author) == ["wrote “Missed bins reported online”"]
    assert reasons_of(suggestions, co_author) == ["wrote “Missed bins reported online”"]
    assert suggested_ids(suggestions)[0] == story.author_id  # the author before the co-author


def test_an_author_of_several_related_stories_wrote_them_on_this():
    first = story_by()
    story_by(first.author, title="Crews see missed bins the same day")
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert reasons_of(suggestions, first.author) == ["wrote 2 stories on this"]


def test_who_recorded_that_their_council_repeated_it_and_their_colleagues_with_a_signal():
    story = story_by()
    recorder = VerifiedMemberFactory()
    adoption_record(user=recorder, story=story, outcome="adopted", started_on=datetime.date(2025, 1, 6))
    colleague = expert(council=recorder.council)
    bystander = VerifiedMemberFactory(council=recorder.council)  # same council, nothing else: not suggested
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert reasons_of(suggestions, recorder) == ["their council repeated a related practice"]
    assert reasons_of(suggestions, colleague) == [
        "expertise: waste collection",
        "their council repeated a related practice",
    ]
    assert bystander.pk not in suggested_ids(suggestions)


def test_accepted_and_helpful_answers_in_related_conversations_count():
    answerer = answered_question()
    helper = helpful_reply()
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert reasons_of(suggestions, answerer) == ["answered 1 question on this topic"]
    assert reasons_of(suggestions, helper) == ["gave 1 helpful answer on this topic"]
    assert suggested_ids(suggestions) == [answerer.pk, helper.pk]  # an accepted answer counts more


def test_answers_in_unrelated_conversations_do_not_count():
    answered_question(tags=("parking",), title="Resident permits")
    assert suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE) == []


def test_stronger_signals_rank_first_and_reasons_are_strongest_first():
    writer = story_by().author
    with_tags(writer, expertise=["waste collection"])
    only_expert = expert()
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert suggested_ids(suggestions) == [writer.pk, only_expert.pk]
    assert reasons_of(suggestions, writer) == [
        "wrote “Missed bins reported online”",
        "expertise: waste collection",
    ]


def test_recent_activity_breaks_a_tie():
    quiet, busy = expert(display_name="Aaron Quiet"), expert(display_name="Zara Busy")
    community = CommunityFactory()
    MembershipFactory(community=community, user=busy)
    thread_create(author=busy, community=community, title="Hello", body="Hi all")
    assert suggested_ids(suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)) == [busy.pk, quiet.pk]


def test_a_broad_tags_holders_are_read_with_another_signal_or_as_the_first_few(monkeypatch):
    monkeypatch.setattr("ask.routing.BROAD_HOLDERS", 2)
    first, second, third, fourth = (expert("housing") for _ in range(4))
    writer = story_by(tags=("housing",), title="Empty homes brought back into use").author
    with_tags(writer, expertise=["housing"])
    topic = Topic(title="Empty homes", tags=("housing",))
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=topic)
    # Five hold the tag, more than two: the writer (another signal) and the first two by id, whose
    # expertise weighs as one of five holders'; the others are not read.
    assert suggested_ids(suggestions)[0] == writer.pk
    assert set(suggested_ids(suggestions)) == {writer.pk, first.pk, second.pk}
    assert reasons_of(suggestions, writer) == [
        "wrote “Empty homes brought back into use”",
        "expertise: housing",
    ]
    assert reasons_of(suggestions, first) == ["expertise: housing"]
    assert {third.pk, fourth.pk}.isdisjoint(suggested_ids(suggestions))


def test_the_limit_is_kept():
    for _ in range(4):
        expert()
    assert len(suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE, limit=3)) == 3
    assert suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE, limit=0) == []


# --- Who is never suggested ------------------------------------------------------------------------------
def test_never_the_viewer_nor_the_people_excluded():
    viewer, other, third = expert(), expert(), expert()
    suggestions = suggest_people(viewer=viewer, topic=WASTE, exclude_ids=[other.pk])
    assert suggested_ids(suggestions) == [third.pk]


def test_nobody_who_opted_out_deactivated_or_erased():
    kept = expert()
    opted_out, deactivated, erased = expert(), expert(), expert()
    User.objects.filter(pk=opted_out.pk).update(accepts_questions=False)
    User.objects.filter(pk=deactivated.pk).update(is_active=False)
    User.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    for for_asking in (True, False):
        suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE, for_asking=for_asking)
        assert suggested_ids(suggestions) == [kept.pk]


def test_the_weekly_cap_applies_only_when_asking():
    capped, fresh = expert(display_name="Aaron Capped"), expert(display_name="Bea Fresh")
    for _ in range(settings.ASK_WEEKLY_CAP):
        QuestionAsk.objects.create(question=question(), person=capped)
    viewer = VerifiedMemberFactory()
    assert suggested_ids(suggest_people(viewer=viewer, topic=WASTE)) == [fresh.pk]
    assert set(suggested_ids(suggest_people(viewer=viewer, topic=WASTE, for_asking=False))) == {
        capped.pk,
        fresh.pk,
    }


def test_asks_older_than_a_week_do_not_count_towards_the_cap():
    person = expert()
    for _ in range(settings.ASK_WEEKLY_CAP):
        QuestionAsk.objects.create(
            question=question(), person=person, created_at=timezone.now() - datetime.timedelta(days=8)
        )
    assert suggested_ids(suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)) == [person.pk]


# --- Privacy: a private community's content is no signal for those outside it ------------------------
def test_an_author_known_only_from_a_private_communitys_story_is_suggested_to_its_members_only():
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    story = story_by(community=private, audience=PracticeStory.Audience.COMMUNITY, title="Secret bins plan")
    outsider = VerifiedMemberFactory()
    member = VerifiedMemberFactory()
    MembershipFactory(community=private, user=member)

    outside = suggest_people(viewer=outsider, topic=WASTE, for_asking=False)
    assert story.author_id not in suggested_ids(outside)
    assert all("Secret" not in reason for s in outside for reason in s.reasons)
    assert related_stories(viewer=outsider, topic=WASTE) == []
    assert councils_that_repeated(viewer=outsider, topic=WASTE) == []

    inside = suggest_people(viewer=member, topic=WASTE, for_asking=False)
    assert reasons_of(inside, story.author) == ["wrote “Secret bins plan”"]
    assert related_stories(viewer=member, topic=WASTE) == [story]


def test_a_helpful_answer_in_a_private_community_counts_only_for_its_members():
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    helper = helpful_reply(community=private)
    answerer = answered_question(community=private)
    member = VerifiedMemberFactory()
    MembershipFactory(community=private, user=member)
    assert suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE) == []
    assert set(suggested_ids(suggest_people(viewer=member, topic=WASTE))) == {helper.pk, answerer.pk}


def test_an_expert_who_also_wrote_privately_is_suggested_to_outsiders_for_their_expertise_alone():
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    story = story_by(community=private, audience=PracticeStory.Audience.COMMUNITY, title="Secret bins plan")
    with_tags(story.author, expertise=["waste collection"])
    suggestions = suggest_people(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert reasons_of(suggestions, story.author) == ["expertise: waste collection"]


def test_an_adoption_of_a_private_story_is_no_signal_for_outsiders():
    private = CommunityFactory(visibility=Community.Visibility.PRIVATE)
    story = story_by(community=private, audience=PracticeStory.Audience.COMMUNITY)
    recorder = VerifiedMemberFactory()
    MembershipFactory(community=private, user=recorder)
    adoption_record(user=recorder, story=story, outcome="adopted", started_on=datetime.date(2025, 1, 6))
    outsider = VerifiedMemberFactory()
    assert recorder.pk not in suggested_ids(suggest_people(viewer=outsider, topic=WASTE))
    assert councils_that_repeated(viewer=outsider, topic=WASTE) == []
    assert [c.council_id for c in councils_that_repeated(viewer=recorder, topic=WASTE)] == [
        recorder.council_id
    ]


# --- Councils that repeated, related stories, similar content ------------------------------------------
def test_councils_that_repeated_related_practice_most_first():
    first, second = story_by(), story_by(title="Crews see misses the same day")
    often, once = VerifiedMemberFactory(), VerifiedMemberFactory()
    for story in (first, second):
        adoption_record(user=often, story=story, outcome="adopted", started_on=datetime.date(2025, 1, 6))
    adoption_record(user=once, story=first, outcome="adapted", started_on=datetime.date(2025, 2, 3))
    story_by(tags=("parking",), title="Permits online")  # unrelated
    councils = councils_that_repeated(viewer=VerifiedMemberFactory(), topic=WASTE)
    assert [(c.council_id, c.stories) for c in councils] == [(often.council_id, 2), (once.council_id, 1)]
    assert councils[0].name == often.council.name
    assert councils[0].slug == often.council.slug


def test_related_stories_share_a_tag_and_leave_out_the_excluded_and_the_unreadable():
    both = story_by(tags=("waste collection", "recycling"), title="Recycling rounds")
    one = story_by(title="Bin crews")
    story_by(tags=("parking",), title="Permits online")
    story_by(visibility="private", audience=PracticeStory.Audience.COMMUNITY, title="Private rounds")
    topic = Topic(title="Rounds", tags=("waste collection", "recycling"))
    viewer = VerifiedMemberFactory()
    assert related_stories(viewer=viewer, topic=topic) == [both, one]  # two shared tags first
    assert related_stories(viewer=viewer, topic=topic, exclude_ids=[both.pk]) == [one]


def test_related_stories_prefer_the_same_service_area():
    elsewhere = story_by(service_area="housing", title="Bins at flats")
    same = story_by(service_area="environment", title="Bins on rounds")
    assert related_stories(viewer=VerifiedMemberFactory(), topic=WASTE) == [same, elsewhere]


def test_similar_content_lists_readable_conversations_and_stories_only():
    open_space, private = CommunityFactory(), CommunityFactory(visibility=Community.Visibility.PRIVATE)
    author = VerifiedMemberFactory()
    for space in (open_space, private):
        MembershipFactory(community=space, user=author)
    thread_create(
        author=author, community=open_space, title="Missed bin collections after Christmas", body="x"
    )
    thread_create(
        author=author, community=private, title="Missed bin collections in the private group", body="x"
    )
    story_by(title="Missed bin collections halved")
    viewer = VerifiedMemberFactory()
    found = similar_content(viewer=viewer, title="Missed bin collections")
    assert sorted(item.title for item in found) == [
        "Missed bin collections after Christmas",
        "Missed bin collections halved",
    ]
    assert {item.kind for item in found} == {"conversation", "story"}
    assert all(item.url.startswith("/") for item in found)
    assert len(similar_content(viewer=author, title="Missed bin collections")) == 3


def test_similar_content_says_whether_a_conversation_was_answered():
    answered_question(title="Missed bin collections over the holidays")
    (item,) = similar_content(viewer=VerifiedMemberFactory(), title="missed bin collections holidays")
    assert item.answered
    assert item.kind == "conversation"


def test_similar_content_needs_words_that_say_something():
    helpful_reply(title="How do we do this?")
    assert similar_content(viewer=VerifiedMemberFactory(), title="How do you do this?") == []
    assert similar_content(viewer=VerifiedMemberFactory(), title="   ") == []
    assert significant_words("How do councils cut missed bins? Bins!") == ["cut", "missed", "bins"]


# --- PostgreSQL text similarity, and SQLite's tag overlap -----------------------------------------------
@needs_postgres
def test_a_story_sharing_the_words_but_no_tag_is_related_on_postgresql():
    story = story_by(tags=("refuse",), title="Missed collections halved with crew tablets")
    topic = Topic(title="Reducing missed collections", tags=("waste collection",))
    viewer = VerifiedMemberFactory()
    assert related_stories(viewer=viewer, topic=topic) == [story]
    assert reasons_of(suggest_people(viewer=viewer, topic=topic), story.author) == [
        "wrote “Missed collections halved with crew tablets”"
    ]


@needs_postgres
def test_one_shared_word_is_not_enough_for_a_title_of_several():
    story_by(tags=("refuse",), title="Missed deadlines in planning")
    topic = Topic(title="Reducing missed collections", tags=("waste collection",))
    assert related_stories(viewer=VerifiedMemberFactory(), topic=topic) == []


@only_sqlite
def test_on_sqlite_related_means_a_shared_tag_or_the_service_area_a_tag_first():
    story_by(tags=("refuse",), title="Missed collections halved with crew tablets", service_area="housing")
    tagged = story_by(title="Something else entirely")
    viewer = VerifiedMemberFactory()
    assert related_stories(
        viewer=viewer, topic=Topic(title="Reducing missed collections", tags=("waste collection",))
    ) == [tagged]
    in_area = story_by(tags=("parking",), title="Permits", service_area="transport")
    assert related_stories(viewer=viewer, topic=Topic(title="Permits", service_area="transport")) == [in_area]
    both = Topic(title="Permits", tags=("waste collection",), service_area="transport")
    assert related_stories(viewer=viewer, topic=both) == [tagged, in_area]


# --- Queries: a fixed number, however much there is --------------------------------------------------------
def _hub(n: int) -> None:
    """n experts, n related stories (each adopted once), n answered questions and n helpful replies."""
    community = CommunityFactory()
    for i in range(n):
        expert()
        story = story_by(community=community, title=f"Missed bins story {i}")
        adoption_record(
            user=VerifiedMemberFactory(), story=story, outcome="adopted", started_on=datetime.date(2025, 1, 6)
        )
        answered_question(community=community, title=f"Missed bin collections {i}")
        helpful_reply(community=community, title=f"Missed bin collections garden {i}")


def _queries(django_assert_max_num_queries, viewer, most: int) -> None:
    with django_assert_max_num_queries(most):
        suggest_people(viewer=viewer, topic=WASTE)
    with django_assert_max_num_queries(most):
        suggest_people(viewer=viewer, topic=WASTE, for_asking=False)


# tags, candidate stories, stories, adoptions, co-authors, candidate conversations, answers, experts, people
PEOPLE_QUERIES = 9
PANEL_QUERIES = PEOPLE_QUERIES + 1  # help_panel: + the councils' names (the related stories read once)
SIMILAR_QUERIES = 2  # conversations, stories


@pytest.mark.parametrize("n", [2, 6])
def test_query_counts_do_not_grow_with_the_hub(n, django_assert_max_num_queries):
    _hub(n)
    viewer = User.objects.get(pk=VerifiedMemberFactory().pk)
    with django_assert_max_num_queries(PANEL_QUERIES):
        panel = help_panel(viewer=viewer, topic=WASTE)
        assert len(panel.people) == 5
        assert panel.councils
        assert len(panel.stories) == min(n, 5)
        [(s.person.council and s.person.council.name) for s in panel.people]
        [(story.get_absolute_url(), story.council and story.council.name) for story in panel.stories]
    with django_assert_max_num_queries(PEOPLE_QUERIES):
        assert len(suggest_people(viewer=viewer, topic=WASTE)) == settings.ASK_PEOPLE_MOST
    with django_assert_max_num_queries(SIMILAR_QUERIES):
        assert len(similar_content(viewer=viewer, title="Missed bin collections")) == 5


def test_the_panel_reads_the_related_stories_once_and_agrees_with_the_three_lookups():
    _hub(3)
    viewer = User.objects.get(pk=VerifiedMemberFactory().pk)
    first = related_stories(viewer=viewer, topic=WASTE, limit=1)[0]
    panel = help_panel(
        viewer=viewer, topic=WASTE, exclude_people=[first.author_id], exclude_stories=[first.pk]
    )
    people = suggest_people(
        viewer=viewer, topic=WASTE, limit=5, exclude_ids=[first.author_id], for_asking=False
    )
    assert [(s.person.pk, s.reasons) for s in panel.people] == [(s.person.pk, s.reasons) for s in people]
    assert panel.councils == councils_that_repeated(viewer=viewer, topic=WASTE)
    related = related_stories(viewer=viewer, topic=WASTE, exclude_ids=[first.pk])
    assert [story.pk for story in panel.stories] == [story.pk for story in related]
    visitor = help_panel(viewer=AnonymousUser(), topic=WASTE, with_people=False)
    assert (visitor.people, visitor.councils) == ([], [])
