"""Asking the hub, page by page: the form (who may ask, bad input, "Has this been answered already?" with and
without htmx), then who to ask (the asker only; all suggested people ticked; confirming writes the asks,
tells each person, and says whom we asked)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from ask.models import Question, QuestionAsk
from communities.models import HubSettings
from communities.services.conversations import thread_create
from profiles.models import Notification
from tests.ask.helpers import question
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, UserFactory, VerifiedMemberFactory, with_tags

pytestmark = pytest.mark.django_db

ASK = reverse("ask:ask")
SIMILAR = reverse("ask:similar")


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


def expert(tag="waste collection", **fields):
    return with_tags(VerifiedMemberFactory(**fields), expertise=[tag])


def signed_in(client, user):
    client.force_login(user)
    return client


# --- /ask/: who may ask -----------------------------------------------------------------------------------
def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(ASK)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_member_without_a_verified_council_is_told_why_and_how_to_verify(client):
    response = signed_in(client, UserFactory()).get(ASK)
    assert response.status_code == 403
    assert "verified link to a council" in response.text
    assert reverse("account_email") in response.text
    response = client.post(ASK, {"title": "How do you do it?", "body": "Tell me."})
    assert response.status_code == 403
    assert not Question.objects.exists()


@pytest.mark.parametrize("who", ["verified member", "site admin with a council"])
def test_a_verified_member_sees_the_form_with_the_similar_lookup_wired_for_htmx(client, who):
    user = VerifiedMemberFactory(is_staff=who == "site admin with a council")
    response = signed_in(client, user).get(ASK)
    assert response.status_code == 200
    text = response.text
    assert 'name="title"' in text
    assert 'name="body"' in text
    assert 'name="service_area"' in text
    assert f'hx-get="{SIMILAR}"' in text
    assert "keyup changed delay:500ms" in text
    assert "Check for answers" in text


def test_a_site_admin_without_a_council_cannot_ask(client):
    assert signed_in(client, AdminFactory()).get(ASK).status_code == 403


def test_posting_a_question_makes_it_and_goes_on_to_who_to_ask(client):
    asker = VerifiedMemberFactory()
    response = signed_in(client, asker).post(
        ASK,
        {
            "title": "Garden waste charges?",
            "body": "How much?",
            "service_area": "environment",
            "tags": "waste, fees",
        },
    )
    asked = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ask:people", args=[asked.pk])
    assert asked.asker == asker
    assert asked.service_area == "environment"
    assert sorted(asked.thread.tags.names()) == ["fees", "waste"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "   ", "body": "Details"}, "title", "Enter your question"),
        (
            {"title": "Fine", "body": "Details", "tags": ", ".join(f"tag {n}" for n in range(40))},
            "tags",
            "tags or fewer",
        ),
        (
            {"title": "Fine", "body": "Details", "service_area": "nonsense"},
            "service_area",
            "Choose a service area",
        ),
        ({"title": "Fine", "body": ""}, "body", "Enter the details"),
    ],
    ids=["title of spaces", "40 tags", "unknown service area", "no details"],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, data, field, message):
    response = signed_in(client, VerifiedMemberFactory()).post(ASK, data)
    assert response.status_code == 200
    assert message in response.text
    assert "govuk-error-summary" in response.text
    assert not Question.objects.exists()


# --- "Has this been answered already?" -------------------------------------------------------------------
@pytest.fixture
def answered_conversation():
    place = community("open")
    author = person_as("member", place)
    thread = thread_create(
        author=author, community=place, title="Garden waste subscription pricing", body="?"
    )
    return thread


def test_the_lookup_lists_readable_conversations_as_the_title_is_typed(client, answered_conversation):
    client = signed_in(client, VerifiedMemberFactory())
    fragment = client.get(SIMILAR, {"title": "garden waste subscription"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Has this been answered already?" in fragment.text
    assert escape(answered_conversation.title) in fragment.text
    assert answered_conversation.get_absolute_url() in fragment.text
    assert "<html" not in fragment.text  # the fragment only
    page = client.get(SIMILAR, {"title": "garden waste subscription"})
    assert "<html" in page.text
    assert escape(answered_conversation.title) in page.text


def test_the_lookup_never_names_a_private_communitys_conversation_to_an_outsider(client):
    hidden = community("private")
    thread_create(
        author=person_as("member", hidden), community=hidden, title="Secret garden waste plans", body="?"
    )
    outsider = client.get(SIMILAR, {"title": "secret garden waste"}, headers={"HX-Request": "true"})
    assert outsider.status_code == 302  # signed out first
    fragment = signed_in(client, VerifiedMemberFactory()).get(
        SIMILAR, {"title": "secret garden waste"}, headers={"HX-Request": "true"}
    )
    assert "Secret garden waste plans" not in fragment.text


def test_without_javascript_check_for_answers_shows_the_list_and_keeps_the_form(
    client, answered_conversation
):
    data = {"title": "Garden waste subscription", "body": "My details", "tags": "waste", "action": "check"}
    response = signed_in(client, VerifiedMemberFactory()).post(ASK, data)
    assert response.status_code == 200
    assert escape(answered_conversation.title) in response.text
    assert "My details" in response.text
    assert 'value="waste"' in response.text
    assert "govuk-error-summary" not in response.text
    assert not Question.objects.exists()


def test_the_lookup_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    place = community("open")
    author = person_as("member", place)
    client = signed_in(client, VerifiedMemberFactory())
    counts = []
    for n in (2, 12):
        for i in range(n):
            thread_create(author=author, community=place, title=f"Garden waste {n} {i}", body="?")
        with django_assert_max_num_queries(8) as captured:
            client.get(SIMILAR, {"title": "garden waste"}, headers={"HX-Request": "true"})
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Who to ask -------------------------------------------------------------------------------------------
def test_only_the_asker_sees_who_to_ask(client):
    asked = question()
    url = reverse("ask:people", args=[asked.pk])
    assert client.get(url).status_code == 302  # sign in
    for other in (VerifiedMemberFactory(), UserFactory(), AdminFactory()):
        assert signed_in(client, other).get(url).status_code == 404
        assert client.post(url, {"people": []}).status_code == 404
    assert not QuestionAsk.objects.exists()
    assert Question.objects.get().people_confirmed_at is None


def test_the_asker_sees_each_suggestion_with_reasons_ticked(client):
    asker = VerifiedMemberFactory()
    people = [expert(), expert()]
    asked = question(asker=asker)
    response = signed_in(client, asker).get(reverse("ask:people", args=[asked.pk]))
    assert response.status_code == 200
    for person in people:
        assert escape(person.display_name) in response.text
        assert escape(person.council.name) in response.text
        assert f'value="{person.pk}"' in response.text
    assert response.text.count("checked") >= 2
    assert "expertise: waste collection" in response.text


PEOPLE_PAGE_QUERIES = 5  # the session, the user, the question, the inbox count, the people kept at posting


def test_the_people_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    asker = VerifiedMemberFactory()
    client = signed_in(client, asker)
    counts = []
    for n in (2, 8):
        for _ in range(n):
            expert()
        asked = question(asker=asker)
        with django_assert_max_num_queries(PEOPLE_PAGE_QUERIES) as captured:
            assert client.get(reverse("ask:people", args=[asked.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_who_to_ask_is_ranked_once_as_the_question_is_posted_and_read_back_by_the_page(client):
    asker = VerifiedMemberFactory()
    first, later_opted_out = expert(), expert()
    asked = question(asker=asker)
    assert {row[0] for row in asked.suggested} == {first.pk, later_opted_out.pk}
    assert all("expertise: waste collection" in row[2] for row in asked.suggested)
    newcomer = expert()  # tagged after the question was posted: the ranking is not run again
    type(later_opted_out).objects.filter(pk=later_opted_out.pk).update(accepts_questions=False)
    response = signed_in(client, asker).get(reverse("ask:people", args=[asked.pk]))
    assert f'value="{first.pk}"' in response.text
    assert f'value="{later_opted_out.pk}"' not in response.text  # no longer taking questions
    assert f'value="{newcomer.pk}"' not in response.text


def test_a_question_never_ranked_is_ranked_on_its_page(client):
    asker = VerifiedMemberFactory()
    person = expert()
    asked = question(asker=asker)
    Question.objects.filter(pk=asked.pk).update(suggested=None)  # as a question posted before it was kept
    response = signed_in(client, asker).get(reverse("ask:people", args=[asked.pk]))
    assert f'value="{person.pk}"' in response.text
    assert "expertise: waste collection" in response.text


def test_confirming_asks_the_people_ticked_tells_them_and_says_whom_on_the_thread(client, mailoutbox):
    asker = VerifiedMemberFactory()
    first, second, immediate_off = expert(), expert(), expert(email_immediately=False)
    asked = question(asker=asker)
    client = signed_in(client, asker)
    response = client.post(reverse("ask:people", args=[asked.pk]), {"people": [first.pk, immediate_off.pk]})
    assert response.status_code == 302
    assert response["Location"] == asked.thread.get_absolute_url()
    rows = QuestionAsk.objects.filter(question=asked)
    assert {row.person_id for row in rows} == {first.pk, immediate_off.pk}
    assert all(row.round == QuestionAsk.Round.FIRST and row.reasons for row in rows)
    asked.refresh_from_db()
    assert asked.people_confirmed_at is not None
    notices = Notification.objects.filter(kind="ask.asked")
    assert {n.recipient_id for n in notices} == {first.pk, immediate_off.pk}
    by = {n.recipient_id: n for n in notices}
    assert by[first.pk].email_state == "pending"
    assert by[immediate_off.pk].email_state == ""
    assert by[first.pk].url == asked.thread.get_absolute_url()
    page = client.get(response["Location"])
    assert "Your question is posted. We asked 2 people" in page.text
    assert escape(first.public_name) in page.text
    assert second.pk not in {row.person_id for row in rows}


def test_confirming_forgets_the_suggestions_of_people_not_asked(client):
    asker = VerifiedMemberFactory()
    chosen, _other = expert(), expert()
    asked = question(asker=asker)
    signed_in(client, asker).post(reverse("ask:people", args=[asked.pk]), {"people": [chosen.pk]})
    asked.refresh_from_db()
    assert asked.suggested == []
    assert list(QuestionAsk.objects.filter(question=asked).values_list("person_id", flat=True)) == [chosen.pk]


def test_confirming_twice_asks_nobody_again(client):
    asker, person = VerifiedMemberFactory(), expert()
    asked = question(asker=asker)
    client = signed_in(client, asker)
    url = reverse("ask:people", args=[asked.pk])
    client.post(url, {"people": [person.pk]})
    response = client.post(url, {"people": [person.pk]}, follow=True)
    assert "already chosen who to ask" in response.text
    assert QuestionAsk.objects.count() == 1
    assert Notification.objects.filter(kind="ask.asked").count() == 1


def test_confirming_with_nobody_ticked_leaves_the_question_open_to_all(client):
    asker = VerifiedMemberFactory()
    expert()
    asked = question(asker=asker)
    response = signed_in(client, asker).post(reverse("ask:people", args=[asked.pk]), {}, follow=True)
    assert "You did not ask anyone by name" in response.text
    assert not QuestionAsk.objects.exists()
    asked.refresh_from_db()
    assert asked.people_confirmed_at is not None


def test_exclusions_are_checked_again_at_confirm_time(client, settings):
    settings.ASK_WEEKLY_CAP = 1
    asker = VerifiedMemberFactory()
    opted_out, capped, gone, fine = expert(), expert(), expert(), expert()
    asked = question(asker=asker)
    client = signed_in(client, asker)
    url = reverse("ask:people", args=[asked.pk])
    assert client.get(url).status_code == 200  # all four suggested now
    # Then, before the asker confirms:
    type(opted_out).objects.filter(pk=opted_out.pk).update(accepts_questions=False)
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    other = question(title="Another question about bins")
    QuestionAsk.objects.create(question=other, person=capped)
    response = client.post(
        url, {"people": [opted_out.pk, capped.pk, gone.pk, fine.pk, asker.pk]}, follow=True
    )
    assert set(QuestionAsk.objects.filter(question=asked).values_list("person_id", flat=True)) == {fine.pk}
    assert "We asked 1 person" in response.text
    assert "could not be asked now" in response.text
