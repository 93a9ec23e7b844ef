"""Someone asked: the block on the question's page (them and the asker only), "Not me", suggesting someone
else, answering (their ask becomes answered; anyone else may answer too), the asker marking the answer, the
email they get, the follow-up once, the digest by expertise, the setting, the export and erasure."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ask.models import QuestionAsk
from ask.services.asks import question_confirm_people, question_follow_up, questions_follow_up
from ask.tasks import follow_up
from communities.models import HubSettings
from communities.permissions import can_mark_answer
from communities.services.conversations import post_reply, thread_mark_answer
from profiles.emails import notification_emails_send_due
from profiles.extensions import personal_data_exporters
from profiles.models import Notification, User
from profiles.services import user_erase
from tests.ask.helpers import question
from tests.factories import AdminFactory, UserFactory, VerifiedMemberFactory, with_tags

pytestmark = pytest.mark.django_db
S = QuestionAsk.State


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


def expert(tag="waste collection", **fields):
    return with_tags(VerifiedMemberFactory(**fields), expertise=[tag])


def asked_question(*people, asker=None):
    """A question whose asker confirmed `people` (each an expert in its tag)."""
    asked = question(asker=asker or VerifiedMemberFactory())
    question_confirm_people(asker=asked.asker, question=asked, person_ids=[p.pk for p in people])
    return asked


def signed_in(client, user):
    client.force_login(user)
    return client


# --- The block on the question's page ---------------------------------------------------------------------
def test_the_block_is_shown_to_the_person_asked_and_the_asker_and_to_nobody_else(client):
    person, bystander = expert(), expert()
    asked = asked_question(person)
    url = asked.thread.get_absolute_url()
    page = signed_in(client, person).get(url).text
    assert "You were asked to help" in page
    assert "expertise: waste collection" in page
    assert reverse("ask:pass", args=[asked.pk]) in page
    assert reverse("ask:suggest", args=[asked.pk]) in page
    asker_page = signed_in(client, asked.asker).get(url).text
    assert "People you asked" in asker_page
    assert escape(person.public_name) in asker_page
    for other in (bystander, UserFactory(), AdminFactory()):
        page = signed_in(client, other).get(url).text
        assert "You were asked to help" not in page
        assert "People you asked" not in page
        assert reverse("ask:pass", args=[asked.pk]) not in page


def test_the_question_page_for_an_asked_person_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    people = [expert() for _ in range(6)]
    counts = []
    for n in (1, 6):
        asked = asked_question(*people[:n])
        client = signed_in(client, asked.asker)
        with django_assert_max_num_queries(40) as captured:
            assert client.get(asked.thread.get_absolute_url()).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Not me -----------------------------------------------------------------------------------------------
def test_not_me_passes_once_and_a_second_pass_changes_nothing(client):
    person = expert()
    asked = asked_question(person)
    client = signed_in(client, person)
    response = client.post(reverse("ask:pass", args=[asked.pk]), follow=True)
    assert "We will not remind you" in response.text
    ask = QuestionAsk.objects.get()
    assert ask.state == S.PASSED
    assert ask.responded_at is not None
    response = client.post(reverse("ask:pass", args=[asked.pk]), follow=True)
    assert "already said this question is not for you" in response.text
    assert QuestionAsk.objects.get().responded_at == ask.responded_at


@pytest.mark.parametrize("who", ["anonymous", "not asked", "asker", "site admin"])
def test_only_someone_asked_may_pass_or_suggest(client, who):
    person = expert()
    asked = asked_question(person)
    user = {"not asked": VerifiedMemberFactory, "asker": lambda: asked.asker, "site admin": AdminFactory}
    if who != "anonymous":
        signed_in(client, user[who]())
    for name in ("ask:pass", "ask:suggest"):
        response = client.post(reverse(name, args=[asked.pk]), {"person": person.handle})
        assert response.status_code == (302 if who == "anonymous" else 403)
    assert QuestionAsk.objects.get().state == S.ASKED
    assert QuestionAsk.objects.count() == 1


def test_passing_does_not_change_anyone_elses_ranking_or_rows():
    first, second = expert(), expert()
    asked = asked_question(first, second)
    from ask.services.asks import ask_pass

    ask_pass(person=first, question=asked)
    assert QuestionAsk.objects.get(person=second).state == S.ASKED
    assert QuestionAsk.objects.count() == 2


# --- Suggest someone else ---------------------------------------------------------------------------------
def test_suggesting_someone_asks_them_with_the_suggestion_as_reason(client):
    person, other = expert(), VerifiedMemberFactory()
    asked = asked_question(person)
    response = signed_in(client, person).post(
        reverse("ask:suggest", args=[asked.pk]), {"person": f"@{other.handle}"}, follow=True
    )
    assert escape(f"We asked {other.public_name}") in response.text
    row = QuestionAsk.objects.get(person=other)
    assert row.round == QuestionAsk.Round.SUGGESTED
    assert row.suggested_by == person
    assert row.reasons == [f"suggested by {person.public_name}"]
    assert Notification.objects.filter(recipient=other, kind="ask.asked").count() == 1


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("already asked", "has already been asked"),
        ("opted out", "does not take questions"),
        ("capped", "asked enough questions this week"),
        ("unknown", "no member on the hub with that handle or name"),
        ("asker", "the person who asked"),
        ("themselves", "other than yourself"),
        ("blank", "Enter the handle or name"),
    ],
)
def test_a_suggestion_that_cannot_be_asked_gets_a_clear_message_and_changes_nothing(
    client, settings, case, message
):
    settings.ASK_WEEKLY_CAP = 1
    person, second = expert(), expert()
    asked = asked_question(person, second)
    target = {
        "already asked": second.handle,
        "opted out": VerifiedMemberFactory(accepts_questions=False).handle,
        "capped": second.handle,
        "unknown": "nobody-here",
        "asker": asked.asker.handle,
        "themselves": person.handle,
        "blank": "  ",
    }[case]
    if case == "capped":  # someone not asked here, but asked once this week elsewhere
        capped = VerifiedMemberFactory()
        QuestionAsk.objects.create(question=question(title="Another one"), person=capped)
        target = capped.handle
    before = QuestionAsk.objects.count()
    notices = Notification.objects.count()
    response = signed_in(client, person).post(reverse("ask:suggest", args=[asked.pk]), {"person": target})
    assert response.status_code == 200
    assert message in response.text
    assert "govuk-error-summary" in response.text
    assert QuestionAsk.objects.count() == before
    assert Notification.objects.count() == notices


# --- Answering and the accepted answer --------------------------------------------------------------------
def test_a_reply_by_someone_asked_answers_their_ask_and_anyone_else_may_answer_too(client):
    person, other = expert(), expert()
    asked = asked_question(person, other)
    stranger = VerifiedMemberFactory()
    post_reply(author=stranger, thread=asked.thread, body="I was not asked, but here goes.")
    assert set(QuestionAsk.objects.values_list("state", flat=True)) == {S.ASKED}
    response = signed_in(client, person).post(
        reverse("communities:reply", args=[asked.thread.community.slug, asked.thread.pk]),
        {"body": "We do this."},
    )
    assert response.status_code == 302
    assert QuestionAsk.objects.get(person=person).state == S.ANSWERED
    assert QuestionAsk.objects.get(person=other).state == S.ASKED
    page = client.get(asked.thread.get_absolute_url()).text
    assert "Thank you for answering" in page


def test_the_asker_marks_the_accepted_answer_with_the_threads_own_machinery():
    person = expert()
    asked = asked_question(person)
    reply = post_reply(author=person, thread=asked.thread, body="Charge per bin.")
    assert can_mark_answer(user=asked.asker, thread=asked.thread)
    assert not can_mark_answer(user=person, thread=asked.thread)
    thread_mark_answer(actor=asked.asker, thread=asked.thread, post=reply)
    asked.thread.refresh_from_db()
    assert asked.thread.answer_id == reply.pk


def test_start_a_conversation_in_the_questions_space_leads_to_ask(client):
    asked = question()
    space = asked.thread.community
    client = signed_in(client, VerifiedMemberFactory())
    for url in (
        reverse("communities:detail", args=[space.slug]),
        reverse("communities:threads", args=[space.slug]),
    ):
        assert reverse("ask:ask") in client.get(url).text
    response = client.get(reverse("communities:thread-create", args=[space.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ask:ask")


# --- The email ------------------------------------------------------------------------------------------
def test_each_person_asked_gets_one_immediate_email_unless_they_turned_them_off(mailoutbox):
    wants, does_not = expert(), expert(email_immediately=False)
    asked = asked_question(wants, does_not)
    notification_emails_send_due()
    notification_emails_send_due()
    assert [message.to for message in mailoutbox] == [[wants.email]]
    assert asked.thread.title in mailoutbox[0].subject
    assert asked.thread.get_absolute_url() in mailoutbox[0].body


def test_no_email_goes_to_someone_who_passed_before_it_was_sent(mailoutbox):
    person = expert()
    asked = asked_question(person)
    from ask.services.asks import ask_pass

    ask_pass(person=person, question=asked)
    notification_emails_send_due()
    assert mailoutbox == []
    assert Notification.objects.get(kind="ask.asked").email_state == "skipped"


# --- The follow-up, once ----------------------------------------------------------------------------------
def _age(asked, days):
    type(asked).objects.filter(pk=asked.pk).update(created_at=timezone.now() - timezone.timedelta(days=days))


def test_a_question_with_no_reply_is_offered_to_the_next_people_once(settings):
    settings.ASK_PEOPLE_MOST = 1
    first = expert()
    asked = asked_question(first)
    second = expert()
    _age(asked, 1)
    assert follow_up() == 0  # not due yet
    _age(asked, 4)
    assert follow_up() == 1
    row = QuestionAsk.objects.get(person=second)
    assert row.round == QuestionAsk.Round.FOLLOW_UP
    assert Notification.objects.filter(recipient=second, kind="ask.asked").count() == 1
    expert()
    assert follow_up() == 0  # once only
    assert QuestionAsk.objects.count() == 2
    asked.refresh_from_db()
    assert asked.followed_up_at is not None


def test_a_question_someone_replied_to_or_never_confirmed_is_not_followed_up():
    replied = asked_question(expert())
    post_reply(author=VerifiedMemberFactory(), thread=replied.thread, body="Here you are.")
    unconfirmed = question()
    expert()
    _age(replied, 5)
    _age(unconfirmed, 5)
    assert questions_follow_up() == 0
    assert QuestionAsk.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_reminders_exactly_once_even_when_two_sweeps_run_at_the_same_moment(postgres_only):
    HubSettings.objects.update(posts_per_minute=10_000)
    asked = asked_question(expert())
    expert()
    _age(asked, 5)
    results, barrier = [], threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            results.append(question_follow_up(question_id=asked.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results, key=str) == sorted([1, None], key=str)
    assert QuestionAsk.objects.filter(round=QuestionAsk.Round.FOLLOW_UP).count() == 1
    assert Notification.objects.filter(kind="ask.asked").count() == 2


# --- Settings, export, erasure ----------------------------------------------------------------------------
def test_dont_ask_me_questions_is_saved_from_the_notification_settings(client):
    person = expert()
    client = signed_in(client, person)
    page = client.get(reverse("notification-settings")).text
    assert "Don&#x27;t ask me questions" in page or "Don't ask me questions" in page
    client.post(
        reverse("notification-settings"),
        {"digest_frequency": person.digest_frequency, "email_immediately": "on", "dont_ask": "on"},
    )
    person.refresh_from_db()
    assert not person.accepts_questions
    asked = question()
    assert not QuestionAsk.objects.filter(person=person).exists()
    from ask.services.asks import people_to_ask

    assert person.pk not in {s.person.pk for s in people_to_ask(question=asked)}
    client.post(reverse("notification-settings"), {"digest_frequency": person.digest_frequency})
    person.refresh_from_db()
    assert person.accepts_questions


def test_the_data_export_lists_the_questions_asked_of_them_and_erasure_removes_them():
    person = expert()
    asked = asked_question(person)
    data = personal_data_exporters()["questions"](person)
    [row] = data["questions_you_were_asked"]
    assert row["title"] == asked.thread.title
    assert row["reasons"] == ["expertise: waste collection"]
    assert (
        personal_data_exporters()["questions"](asked.asker)["questions_asked"][0]["title"]
        == asked.thread.title
    )
    user_erase(user=User.objects.get(pk=person.pk))
    assert not QuestionAsk.objects.filter(question=asked).exists()


# --- The digest -------------------------------------------------------------------------------------------
def test_open_questions_are_in_the_digest_of_members_whose_expertise_matches(django_assert_max_num_queries):
    from ask.providers.digests import QUESTIONS_IN_DIGESTS
    from core.providers.digests import Digest, DigestChunk

    matching, other = expert(), expert(tag="planning")
    asker = VerifiedMemberFactory()
    open_one = question(asker=asker, title="Open garden waste question")
    replied = question(asker=asker, title="Replied garden waste question")
    post_reply(author=VerifiedMemberFactory(), thread=replied.thread, body="Answer.")
    now = timezone.now()
    chunk = DigestChunk(users=[matching, other, asker], start=now - timezone.timedelta(days=1), until=now)
    with django_assert_max_num_queries(3):
        collected = QUESTIONS_IN_DIGESTS.collect(chunk)
    picks = {}
    for user in (matching, other, asker):
        digest = Digest(user=user, since=chunk.start, until=chunk.until)
        picks[user.pk] = [
            item["title"]
            for item in QUESTIONS_IN_DIGESTS.pick(digest, chunk, collected, lambda key: True)["questions"]
        ]
    assert picks[matching.pk] == [open_one.thread.title]
    assert picks[other.pk] == []
    assert picks[asker.pk] == []  # their own question
    item_keys = {f"question:{open_one.thread_id}"}
    items = [{"key": key, "thread": open_one.thread_id} for key in item_keys]
    assert QUESTIONS_IN_DIGESTS.still_readable(matching, items) == item_keys
