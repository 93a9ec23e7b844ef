"""Email the hub sends on its own (profiles.emails): the immediate email for a mention or a direct reply,
sent once, re-checked when it goes, retried with backoff when the mail server fails; and the one-click
unsubscribe (RFC 8058) every email carries, which works signed out and refuses a changed token."""

import json
import re
import smtplib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Community, HubSettings, Post, Thread
from communities.services.conversations import (
    post_delete,
    post_notify,
    post_reply,
    thread_create,
    thread_watch_set,
)
from communities.services.membership import membership_leave
from communities.services.moderation import post_hide, thread_move
from khub.digests.delivery import deliver_chunk, digests_sweep, period_for
from profiles.emails import (
    MAX_ATTEMPTS,
    SALT,
    Unsubscribe,
    notification_email_send,
    notification_emails_send_due,
    unsubscribe_read,
    unsubscribe_token,
    unsubscribe_url,
)
from profiles.models import EmailState, Notification, User
from profiles.services import profile_update, user_erase
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FAILING = "tests.profiles.test_emails.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("451 Mail server busy, try later")


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # The builders post more than a person may in a minute: the rate limit is not what is tested here.
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


# --- Builders ------------------------------------------------------------------------------------------
def _start(place: Community, author: User, *, title: str = "Temporary accommodation costs", body="How?"):
    return thread_create(author=author, community=place, title=title, body=body)


def _notices(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def _fresh(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def _path(url: str) -> str:
    assert url.startswith(settings.SITE_URL + "/")
    return url.removeprefix(settings.SITE_URL)


def _token(url: str) -> str:
    """The signed token of an unsubscribe link (it carries a timestamp: compare what it says, not it)."""
    return _path(url).removeprefix("/unsubscribe/").removesuffix("/")


def _pending_mention(place: Community | None = None, handle: str = "priya-shah", **recipient_fields):
    """A post mentioning a member, its notices written (post_notify) but its email not yet sent: the task
    that sends it runs after commit, which a test's transaction never reaches."""
    place = place or community("open")
    author = person_as("member", place)
    recipient = person_as("member", place, handle=handle, **recipient_fields)
    thread = _start(place, author, body=f"What do you think, @{handle}?")
    post_notify(post_id=thread.opening_post_id)
    [notice] = _notices(recipient)
    return notice, thread, author, recipient


# --- Immediate emails ----------------------------------------------------------------------------------
def test_a_mention_sends_one_email_with_text_and_html_parts_and_the_links_every_email_carries(
    mailoutbox, django_capture_on_commit_callbacks
):
    place = community("open")
    author = person_as("member", place, display_name="Sam Jones")
    priya = person_as("member", place, handle="priya-shah")
    with django_capture_on_commit_callbacks(execute=True):
        thread = _start(place, author, title="Bin rounds", body="Over to you, @priya-shah.")

    [message] = mailoutbox
    [notice] = _notices(priya)
    assert notice.kind == "community.mention"
    assert message.to == [priya.email]
    assert message.subject == notice.text == "Sam Jones mentioned you in “Bin rounds”"
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<[^<>\s]+>", header)
    leave = header[1:-1]
    assert _path(leave).startswith("/unsubscribe/")
    assert unsubscribe_read(_token(leave)) == (priya, Unsubscribe.IMMEDIATE)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()
    post_link = settings.SITE_URL + thread.opening_post.get_absolute_url()
    settings_link = settings.SITE_URL + reverse("notification-settings")
    assert settings_link.endswith("/settings/notifications/")
    for part in (message.body, _html(message)):
        assert post_link in part
        assert settings_link in part
        assert leave in part
    assert f'href="{post_link}"' in _html(message)
    assert f'href="{settings_link}"' in _html(message)
    assert _fresh(notice).email_state == EmailState.SENT
    assert _fresh(notice).emailed_at is not None

    assert notification_emails_send_due() == {"gave_up": 0}
    assert len(mailoutbox) == 1


def test_a_direct_reply_sends_its_author_one_email(mailoutbox, django_capture_on_commit_callbacks):
    place = community("open")
    asker = person_as("member", place)
    replier = person_as("member", place, display_name="Sam Jones")
    thread = _start(place, asker, title="Bin rounds")
    with django_capture_on_commit_callbacks(execute=True):
        post = post_reply(author=replier, thread=thread, body="We did this.")

    [message] = mailoutbox
    [notice] = _notices(asker)
    assert notice.kind == "community.reply"
    assert message.to == [asker.email]
    assert message.subject == "Sam Jones replied to your conversation “Bin rounds”"
    assert settings.SITE_URL + post.get_absolute_url() in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    with django_capture_on_commit_callbacks(execute=True):
        answer = post_reply(author=asker, thread=thread, body="Thanks!", parent=post)
    assert [m.to for m in mailoutbox] == [[asker.email], [replier.email]]
    assert mailoutbox[1].subject == f"{asker.display_name} replied to your post in “Bin rounds”"
    assert settings.SITE_URL + answer.get_absolute_url() in _html(mailoutbox[1])
    notification_emails_send_due()
    assert len(mailoutbox) == 2


def test_a_reply_that_also_mentions_the_author_replied_to_sends_one_email(
    mailoutbox, django_capture_on_commit_callbacks
):
    place = community("open")
    asker = person_as("member", place, handle="priya-shah")
    thread = _start(place, asker)
    with django_capture_on_commit_callbacks(execute=True):
        post_reply(author=person_as("member", place), thread=thread, body="@priya-shah see above")
    assert len(mailoutbox) == 1
    assert [n.kind for n in _notices(asker)] == ["community.mention"]


def test_no_email_for_a_member_who_turned_immediate_emails_off_but_the_inbox_line_appears(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    place = community("open")
    author = person_as("member", place)
    quiet = person_as("member", place, handle="priya-shah", email_immediately=False)
    with django_capture_on_commit_callbacks(execute=True):
        thread = _start(place, quiet)
        post_reply(author=author, thread=thread, body="Thoughts, @priya-shah?")
    assert mailoutbox == []
    [notice] = _notices(quiet)
    assert notice.email_state == ""
    client.force_login(quiet)
    inbox = client.get(reverse("profiles:notifications"))
    assert escape(notice.text) in inbox.text


def test_watchers_hear_of_a_reply_in_their_inbox_but_are_not_emailed(
    mailoutbox, django_capture_on_commit_callbacks
):
    place = community("open")
    asker, watcher, replier = (person_as("member", place) for _ in range(3))
    thread = _start(place, asker)
    post_reply(author=watcher, thread=thread, body="Following this.")  # replying watches the thread
    with django_capture_on_commit_callbacks(execute=True):
        post_reply(author=replier, thread=thread, body="We did this.")
    assert [m.to for m in mailoutbox] == [[asker.email]]  # the direct reply only
    watched = Notification.objects.get(recipient=watcher, kind="community.thread_reply")
    assert watched.email_state == ""
    assert notification_emails_send_due() == {"gave_up": 0}
    assert len(mailoutbox) == 1


def test_sending_what_is_due_twice_sends_each_email_once(mailoutbox):
    notice, *_ = _pending_mention()
    assert notice.email_state == EmailState.PENDING
    assert notification_emails_send_due() == {"gave_up": 0, "sent": 1}
    assert notification_emails_send_due() == {"gave_up": 0}
    assert len(mailoutbox) == 1
    assert _fresh(notice).email_attempts == 1


# Re-checked when it is sent: the email goes out later than the inbox line.
def _hidden(thread: Thread, author: User) -> None:
    post_hide(actor=thread.community.created_by, post=thread.opening_post, reason="Off topic")


def _deleted(thread: Thread, author: User) -> None:
    post_delete(actor=author, post=thread.opening_post)


@pytest.mark.parametrize("change", [_hidden, _deleted], ids=["hidden", "deleted"])
def test_no_email_once_the_post_is_hidden_or_deleted(mailoutbox, change):
    notice, thread, author, _ = _pending_mention()
    change(Thread.objects.get(pk=thread.pk), author)
    assert notification_emails_send_due()["skipped"] == 1
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED
    assert notification_emails_send_due() == {"gave_up": 0}
    assert mailoutbox == []


def test_no_email_once_the_recipient_left_the_private_community(mailoutbox):
    notice, thread, _, recipient = _pending_mention(community("private"))
    membership_leave(user=recipient, community=thread.community)
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_email_once_the_conversation_moved_where_the_recipient_cannot_read(mailoutbox):
    notice, thread, _, _ = _pending_mention()
    owner = thread.community.created_by
    elsewhere = community("private", owner=owner)
    thread_move(actor=owner, thread=thread, to=elsewhere)
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_email_once_the_recipient_muted_the_conversation(mailoutbox):
    notice, thread, _, recipient = _pending_mention()
    thread_watch_set(user=recipient, thread=thread, state="muted")
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_email_once_the_recipient_turned_immediate_emails_off(mailoutbox):
    notice, _, _, recipient = _pending_mention()
    User.objects.filter(pk=recipient.pk).update(email_immediately=False)
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_email_to_a_member_deactivated_or_erased_since(mailoutbox):
    notice, thread, _, deactivated = _pending_mention()
    User.objects.filter(pk=deactivated.pk).update(is_active=False)
    erased = person_as("member", thread.community, handle="sam-jones")
    post_reply(author=thread.author, thread=thread, body="And @sam-jones?")
    post_notify(post_id=Post.objects.latest("pk").pk)
    assert Notification.objects.filter(recipient=erased, email_state=EmailState.PENDING).exists()
    user_erase(user=erased)
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_notice_or_email_for_a_mention_of_a_deactivated_or_erased_member(
    mailoutbox, django_capture_on_commit_callbacks
):
    place = community("open")
    gone = person_as("member", place, handle="priya-shah")
    left = person_as("member", place, handle="sam-jones", is_active=False)
    user_erase(user=gone)
    with django_capture_on_commit_callbacks(execute=True):
        _start(place, person_as("member", place), body="@priya-shah @sam-jones")
    assert mailoutbox == []
    assert not Notification.objects.filter(recipient__in=[gone, left]).exists()


def test_no_email_to_an_address_that_is_not_verified(mailoutbox):
    notice, *_ = _pending_mention(verified_email=False)
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


def test_no_email_when_the_members_current_address_is_not_the_verified_one(mailoutbox):
    notice, _, _, recipient = _pending_mention()
    User.objects.filter(pk=recipient.pk).update(email="new-address@example.test")
    notification_emails_send_due()
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.SKIPPED


# Failures: recorded on the row and retried with backoff.
def test_a_refused_email_is_recorded_and_retried_after_five_minutes(mailoutbox):
    notice, *_ = _pending_mention()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=FAILING):
        assert notification_emails_send_due(now=now)["failed"] == 1
    failed = _fresh(notice)
    assert failed.email_state == EmailState.FAILED
    assert failed.email_attempts == 1
    assert failed.email_retry_at == now + timedelta(minutes=5)
    assert "451 Mail server busy" in failed.email_error
    assert failed.emailed_at is None

    assert notification_emails_send_due(now=now + timedelta(minutes=4)) == {"gave_up": 0}
    assert mailoutbox == []
    assert _fresh(notice).email_attempts == 1

    assert notification_emails_send_due(now=now + timedelta(minutes=6))["sent"] == 1
    assert len(mailoutbox) == 1
    sent = _fresh(notice)
    assert (sent.email_state, sent.email_attempts, sent.email_error) == (EmailState.SENT, 2, "")
    notification_emails_send_due(now=now + timedelta(hours=2))
    assert len(mailoutbox) == 1


def test_the_backoff_doubles_and_after_five_failures_the_email_is_given_up(mailoutbox):
    notice, *_ = _pending_mention()
    moment = timezone.now()
    waits = []
    with override_settings(EMAIL_BACKEND=FAILING):
        for _ in range(MAX_ATTEMPTS):
            notification_emails_send_due(now=moment)
            row = _fresh(notice)
            waits.append(row.email_retry_at - moment)
            moment = row.email_retry_at
    assert waits[:-1] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    given_up = _fresh(notice)
    assert (given_up.email_state, given_up.email_attempts) == (EmailState.GAVE_UP, MAX_ATTEMPTS)
    assert "451" in given_up.email_error
    notification_emails_send_due(now=moment + timedelta(days=1))
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.GAVE_UP


def test_a_failed_email_whose_retry_time_has_not_come_is_not_claimed_even_from_an_earlier_copy(mailoutbox):
    notice, *_ = _pending_mention()
    copy = _fresh(notice)  # a second worker's copy, read when the notice was still pending
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=FAILING):
        notification_emails_send_due(now=now)

    assert notification_email_send(notification=copy, now=now + timedelta(minutes=4)) == "taken"

    assert mailoutbox == []
    row = _fresh(notice)
    assert (row.email_state, row.email_attempts) == (EmailState.FAILED, 1)
    assert row.email_retry_at == now + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("attempts_before", "state", "wait"),
    [(2, EmailState.FAILED, timedelta(minutes=20)), (MAX_ATTEMPTS - 1, EmailState.GAVE_UP, None)],
    ids=["third-attempt", "last-attempt"],
)
def test_the_attempt_count_after_a_failure_is_the_rows_plus_one_even_from_an_earlier_copy(
    attempts_before, state, wait
):
    notice, *_ = _pending_mention()
    copy = _fresh(notice)  # read before the other workers' attempts: it says 0
    now = timezone.now()
    Notification.objects.filter(pk=notice.pk).update(
        email_state=EmailState.FAILED, email_attempts=attempts_before, email_retry_at=now
    )

    with override_settings(EMAIL_BACKEND=FAILING):
        assert notification_email_send(notification=copy, now=now) == "failed"

    row = _fresh(notice)
    assert (row.email_state, row.email_attempts) == (state, attempts_before + 1)
    if wait:  # the backoff of the row's third attempt, not of a first
        assert row.email_retry_at == now + wait


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_waits", [False, True], ids=["at-once", "just-after-the-first-failed"])
def test_two_workers_claiming_a_due_email_one_claims_it_and_counts_one_attempt(postgres_only, second_waits):
    # Committed for real, so that each worker (with its own connection) sees it. Whatever the eager tasks
    # did with the notice's email, make it a refused first attempt whose retry is now due.
    HubSettings.objects.update_or_create(pk=1, defaults={"posts_per_minute": 10_000})
    notice, *_ = _pending_mention()
    now = timezone.now()
    Notification.objects.filter(pk=notice.pk).update(
        email_state=EmailState.FAILED, email_attempts=1, email_retry_at=now - timedelta(minutes=1)
    )
    start, first_done = threading.Barrier(2), threading.Event()
    outcomes: list[str] = []

    def worker(second: bool) -> None:
        try:
            # Each worker's copy, read before either claims: the stale copy of the drill.
            copy = Notification.objects.select_related("recipient", "actor").get(pk=notice.pk)
            start.wait()
            if second and second_waits:
                first_done.wait(timeout=30)
            outcomes.append(notification_email_send(notification=copy, now=now))
        finally:
            if not second:
                first_done.set()
            connection.close()

    with override_settings(EMAIL_BACKEND=FAILING):
        workers = [threading.Thread(target=worker, args=(second,)) for second in (False, True)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()

    assert sorted(outcomes) == ["failed", "taken"]
    row = _fresh(notice)
    assert (row.email_state, row.email_attempts) == (EmailState.FAILED, 2)
    assert row.email_retry_at == now + timedelta(minutes=10)


def test_an_email_interrupted_while_sending_is_given_up_never_sent_again(mailoutbox):
    notice, *_ = _pending_mention()
    now = timezone.now()
    recent, *_ = _pending_mention(handle="sam-jones")
    Notification.objects.filter(pk=notice.pk).update(
        email_state=EmailState.SENDING, email_retry_at=now - timedelta(minutes=16), email_attempts=1
    )
    Notification.objects.filter(pk=recent.pk).update(
        email_state=EmailState.SENDING, email_retry_at=now - timedelta(minutes=1), email_attempts=1
    )
    assert notification_emails_send_due(now=now) == {"gave_up": 1}
    assert _fresh(notice).email_state == EmailState.GAVE_UP
    assert _fresh(notice).email_error
    assert _fresh(recent).email_state == EmailState.SENDING  # another worker may be sending it now
    assert notification_emails_send_due(now=now + timedelta(days=1)) == {"gave_up": 1}
    assert mailoutbox == []
    assert _fresh(notice).email_state == EmailState.GAVE_UP


def test_hostile_text_in_a_title_is_escaped_in_the_html_part(mailoutbox, django_capture_on_commit_callbacks):
    place = community("open")
    person_as("member", place, handle="priya-shah")
    title = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    with django_capture_on_commit_callbacks(execute=True):
        _start(place, person_as("member", place, display_name="<b>Sam</b>"), title=title, body="@priya-shah")
    [message] = mailoutbox
    html = _html(message)
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>Sam</b>" not in html
    assert escape(title) in html
    assert title in message.body  # plain text is not HTML: shown as written
    assert "\n" not in message.subject


def test_a_line_break_in_the_actors_name_does_not_stop_the_email(mailoutbox):
    place = community("open")
    author = person_as("member", place)
    profile_update(
        user=author,
        display_name="Sam\r\nBcc: everyone@example.test",
        job_title="",
        bio="",
        show_email=False,
        expertise=[],
        interests=[],
    )
    recipient = person_as("member", place, handle="priya-shah")
    thread = _start(place, author, body="@priya-shah")
    post_notify(post_id=thread.opening_post_id)
    notification_emails_send_due()
    [notice] = _notices(recipient)
    assert notice.email_state == EmailState.SENT, notice.email_error
    [message] = mailoutbox
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert message.message()["Bcc"] is None
    assert message.recipients() == [recipient.email]


# --- Unsubscribe -----------------------------------------------------------------------------------------
def _unsubscribe_path(user: User, kind: str) -> str:
    return _path(unsubscribe_url(user=user, kind=kind))


def _path_for(token: str) -> str:
    return reverse("profiles:unsubscribe", kwargs={"token": token})


def _one_click(path: str):
    """As a mail provider sends it (RFC 8058): a POST with no session, cookie or CSRF token."""
    return Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def _settings_of(user: User) -> tuple[str, bool]:
    user = User.objects.get(pk=user.pk)
    return user.digest_frequency, user.email_immediately


def test_the_link_signed_out_asks_for_confirmation_and_changes_nothing(client, member):
    path = _unsubscribe_path(member, Unsubscribe.DIGEST)
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop activity digests?" in page.text
    assert f'<form method="post" action="{path}"' in page.text
    assert ">Unsubscribe</button>" in page.text
    assert _settings_of(member) == ("weekly", True)


@pytest.mark.parametrize(
    ("kind", "after", "what"),
    [
        (Unsubscribe.DIGEST, ("off", True), "activity digests"),
        (Unsubscribe.IMMEDIATE, ("weekly", False), "emails when someone mentions you or replies to you"),
    ],
)
def test_one_click_signed_out_turns_off_what_the_link_names(member, kind, after, what):
    response = _one_click(_unsubscribe_path(member, kind))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert f"We will not send you {what} any more" in response.text
    assert _settings_of(member) == after

    again = _one_click(_unsubscribe_path(member, kind))
    assert again.status_code == 200
    assert "You are unsubscribed" in again.text
    assert _settings_of(member) == after


def test_the_confirmation_button_unsubscribes_too(client, member):
    path = _unsubscribe_path(member, Unsubscribe.DIGEST)
    client.get(path)
    done = Client(enforce_csrf_checks=True).post(path)
    assert done.status_code == 200
    assert _settings_of(member) == ("off", True)


def test_the_link_in_a_sent_email_unsubscribes(mailoutbox):
    *_, recipient = _pending_mention()
    notification_emails_send_due()
    header = mailoutbox[0].extra_headers["List-Unsubscribe"]
    assert _one_click(_path(header.strip("<>"))).status_code == 200
    assert _settings_of(recipient) == ("weekly", False)


def _b64(data: dict) -> str:
    return signing.b64_encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _tampered(member: User, other: User) -> dict[str, str]:
    token = unsubscribe_token(user=member, kind=Unsubscribe.DIGEST)
    payload, rest = token.split(":", 1)
    flipped = "A" if token[-1] != "A" else "B"
    deleted = UserFactory()
    gone = unsubscribe_token(user=deleted, kind=Unsubscribe.DIGEST)
    deleted.delete()
    return {
        "payload for another member": f"{_b64({'u': other.pk, 'k': 'digest'})}:{rest}",
        "payload changed": ("x" if payload[0] != "x" else "y") + token[1:],
        "signature changed": token[:-1] + flipped,
        "truncated": token[:-6],
        "payload only": payload,
        "another salt": signing.dumps({"u": member.pk, "k": "digest"}, salt="profiles.other"),
        "no salt": signing.dumps({"u": member.pk, "k": "digest"}),
        "unknown kind": signing.dumps({"u": member.pk, "k": "everything"}, salt=SALT),
        "not a dict": signing.dumps([member.pk, "digest"], salt=SALT),
        "deleted member": gone,
        "garbage": "not-a-token",
        "very long": "a" * 5000 + ":" + "b" * 5000,
    }


TAMPERED = [
    "payload for another member",
    "payload changed",
    "signature changed",
    "truncated",
    "payload only",
    "another salt",
    "no salt",
    "unknown kind",
    "not a dict",
    "deleted member",
    "garbage",
    "very long",
]


@pytest.mark.parametrize("how", TAMPERED)
@pytest.mark.parametrize("method", ["get", "one-click"])
def test_a_changed_or_foreign_token_is_refused_and_changes_nothing(client, how, method):
    member, other = UserFactory(), UserFactory()
    token = _tampered(member, other)[how]
    path = _path_for(token)
    response = client.get(path) if method == "get" else _one_click(path)
    assert response.status_code == 400
    assert "This unsubscribe link does not work" in response.text
    assert "Nothing has been changed" in response.text
    assert _settings_of(member) == ("weekly", True)
    assert _settings_of(other) == ("weekly", True)


def test_a_members_token_changes_only_that_member(member):
    other = UserFactory()
    _one_click(_unsubscribe_path(member, Unsubscribe.DIGEST))
    _one_click(_unsubscribe_path(member, Unsubscribe.IMMEDIATE))
    assert _settings_of(member) == ("off", False)
    assert _settings_of(other) == ("weekly", True)


def test_a_token_of_a_deactivated_member_is_refused(member):
    path = _unsubscribe_path(member, Unsubscribe.DIGEST)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert _one_click(path).status_code == 400
    assert _settings_of(member) == ("weekly", True)


def _deactivated(user: User) -> None:
    user.is_active = False
    user.save()


def _unsubscribed(user: User) -> None:
    assert _one_click(_unsubscribe_path(user, Unsubscribe.DIGEST)).status_code == 200


@pytest.mark.parametrize("change", [_unsubscribed, _deactivated], ids=["unsubscribed", "deactivated"])
def test_a_digest_waiting_to_be_retried_is_not_sent_once_the_member_unsubscribed(mailoutbox, change):
    place = community("open")
    reader = person_as("member", place, digest_frequency="daily")
    _start(place, place.created_by)
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=FAILING):
        result = deliver_chunk(
            frequency="daily", period=period_for(frequency="daily"), user_ids=[reader.pk], now=now
        )
    assert result["failed"] == 1
    change(reader)
    digests_sweep(now=now + timedelta(hours=1))
    assert mailoutbox == []
