"""The inbox: /notifications/, the header's unread count, marking read with plain forms and with htmx."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khub import demo
from profiles.context_processors import inbox
from profiles.models import Follow, Notification, User
from profiles.services import follow_create, notification_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _inbox_url() -> str:
    return reverse("profiles:notifications")


def _notify(recipient, count: int = 1, *, url: str = "", distinct_actors: bool = False) -> list[Notification]:
    """`count` notifications, one minute apart, the last one newest."""
    actor = UserFactory()
    start = timezone.now() - timedelta(minutes=count)
    made = []
    for i in range(count):
        notification = notification_send(
            recipient=recipient,
            kind="test",
            actor=UserFactory() if distinct_actors else actor,
            text=f"Thing number {i} happened",
            url=url,
        )
        Notification.objects.filter(pk=notification.pk).update(created_at=start + timedelta(minutes=i))
        made.append(notification)
    return made


def _unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_anonymous_visitors_are_sent_to_sign_in(client, member):
    (notification,) = _notify(member)
    for method, url in [
        ("get", _inbox_url()),
        ("post", reverse("profiles:notifications-read-all")),
        ("post", reverse("profiles:notification-read", args=[notification.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url
    assert _unread(member) == 1


def test_being_followed_puts_a_new_line_in_the_inbox_naming_the_follower(client, member):
    follower = UserFactory(display_name="Priya Shah")
    follow_create(follower=follower, followed=member)
    client.force_login(member)

    html = client.get(_inbox_url()).text

    item = re.search(r'<li class="khub-inbox__item khub-inbox__item--unread".*?</li>', html, re.S).group(0)
    assert '<strong class="govuk-tag">New</strong>' in item
    profile_url = reverse("profiles:profile", kwargs={"handle": follower.handle})
    assert f'<a class="govuk-link" href="{profile_url}">Priya Shah started following you</a>' in item
    assert "From Priya Shah," in item
    assert "<time datetime=" in item
    assert 'Mark as read<span class="govuk-visually-hidden">: Priya Shah started following you</span>' in item


def test_members_see_only_their_own_notifications_newest_first(client, member):
    other = UserFactory()
    _notify(member, 3)
    notification_send(recipient=other, kind="test", text="Someone else's news")
    client.force_login(member)

    response = client.get(_inbox_url())

    assert [n.text for n in response.context["page_obj"]] == [
        "Thing number 2 happened",
        "Thing number 1 happened",
        "Thing number 0 happened",
    ]
    assert "Someone else's news" not in response.text


def test_an_empty_inbox_says_so(client, member):
    client.force_login(member)
    response = client.get(_inbox_url())
    assert "You have no notifications." in response.text
    assert "Mark all as read" not in response.text
    assert "govuk-pagination" not in response.text


def test_the_inbox_shows_25_a_page_with_govuk_pagination(client, member):
    _notify(member, 30)
    client.force_login(member)

    first = client.get(_inbox_url())
    second = client.get(_inbox_url(), {"page": 2})
    beyond = client.get(_inbox_url(), {"page": 99})

    assert len(first.context["page_obj"]) == 25
    assert first.context["page_obj"][0].text == "Thing number 29 happened"
    assert [n.text for n in second.context["page_obj"]] == [
        f"Thing number {i} happened" for i in range(4, -1, -1)
    ]
    assert '<nav class="govuk-pagination" aria-label="Pagination">' in first.text
    assert 'href="?page=2"\n           rel="next"' in first.text
    assert 'aria-current="page">2</a>' in second.text
    assert beyond.context["page_obj"].number == 2


@pytest.mark.parametrize("count", [5, 50])
def test_the_inbox_page_runs_a_fixed_number_of_queries(client, member, django_assert_max_num_queries, count):
    _notify(member, count, url="/somewhere/", distinct_actors=True)
    client.force_login(member)
    # session, user, page count, page rows (with their actors) and the newest unread lines for the header's
    # count, what they are about checked (one query for every kind of object)
    with django_assert_max_num_queries(5):
        response = client.get(_inbox_url())
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == min(count, 25)


def test_the_inbox_query_count_is_the_same_for_5_and_50_notifications(client, member):
    client.force_login(member)
    counts = []
    for count in (5, 45):
        _notify(member, count, distinct_actors=True)
        with CaptureQueriesContext(connection) as queries:
            client.get(_inbox_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_marking_one_read_with_a_plain_form_redirects_back_to_the_same_page_with_a_message(client, member):
    notifications = _notify(member, 30)
    client.force_login(member)

    response = client.post(reverse("profiles:notification-read", args=[notifications[0].pk]), {"page": "2"})

    assert response.status_code == 302
    assert response.url == f"{_inbox_url()}?page=2"
    page = client.get(response.url)
    assert "Notification marked as read." in page.text
    notifications[0].refresh_from_db()
    assert notifications[0].is_read
    assert _unread(member) == 29


def test_marking_one_read_with_htmx_returns_the_read_item_and_updates_the_header_count(client, member):
    first, _ = _notify(member, 2)
    client.force_login(member)

    response = client.post(reverse("profiles:notification-read", args=[first.pk]), **HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == [
        "profiles/inbox/updated.html",
        "profiles/inbox/item.html",
    ]
    html = response.text
    assert f'id="notification-{first.pk}"' in html
    assert "autofocus" in html  # the button the member pressed is gone: focus moves to the item
    assert ">New<" not in html
    assert "Mark as read" not in html
    header = re.search(r'<a id="header-notifications".*?</a>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in header
    assert '1<span class="govuk-visually-hidden"> unread</span>' in header
    assert '<div id="inbox-status" hx-swap-oob="innerHTML">Notification marked as read.</div>' in html
    assert "<html" not in html
    assert _unread(member) == 1


def test_marking_all_read_with_a_plain_form_redirects_with_a_message(client, member):
    _notify(member, 3)
    client.force_login(member)

    response = client.post(reverse("profiles:notifications-read-all"), follow=True)

    assert response.redirect_chain == [(_inbox_url(), 302)]
    assert "All notifications marked as read." in response.text
    assert _unread(member) == 0
    assert ">New<" not in response.text
    assert "Mark all as read" not in response.text


def test_marking_all_read_with_htmx_returns_the_list_the_page_includes(client, member):
    _notify(member, 30)
    client.force_login(member)

    response = client.post(reverse("profiles:notifications-read-all"), {"page": "2"}, **HTMX)

    assert "profiles/inbox/partial.html" in [t.name for t in response.templates]
    assert response.text.lstrip().startswith('<div id="inbox">')
    assert response.context["page_obj"].number == 2
    assert ">New<" not in response.text
    header = re.search(r'<a id="header-notifications".*?</a>', response.text, re.S).group(0)
    assert "govuk-tag" not in header
    assert "All notifications marked as read." in response.text
    assert _unread(member) == 0


def test_marking_another_members_notification_read_is_a_404_and_changes_nothing(client, member):
    other = UserFactory()
    (theirs,) = _notify(other)
    client.force_login(member)

    for headers in ({}, HTMX):
        response = client.post(reverse("profiles:notification-read", args=[theirs.pk]), **headers)
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_marking_all_read_leaves_other_members_inboxes_alone(client, member):
    other = UserFactory()
    _notify(other, 2)
    _notify(member, 2)
    client.force_login(member)
    client.post(reverse("profiles:notifications-read-all"))
    assert (_unread(member), _unread(other)) == (0, 2)


def test_the_mark_read_urls_only_accept_post(client, member):
    (notification,) = _notify(member)
    client.force_login(member)
    assert client.get(reverse("profiles:notifications-read-all")).status_code == 405
    assert client.get(reverse("profiles:notification-read", args=[notification.pk])).status_code == 405
    assert client.post(_inbox_url()).status_code == 405
    assert _unread(member) == 1


def test_a_safe_next_address_is_followed_and_an_unsafe_one_ignored(client, member):
    first, second = _notify(member, 2)
    client.force_login(member)
    url = reverse("profiles:notification-read", args=[first.pk])
    assert client.post(url, {"next": "/people/"}).url == "/people/"
    url = reverse("profiles:notification-read", args=[second.pk])
    assert client.post(url, {"next": "https://evil.example/"}).url == _inbox_url()


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("/people/priya/", True),
        ("http://testserver/people/priya/", True),
        ("https://evil.example/people/priya/", False),
        ("//evil.example/", False),
        ("javascript:alert(1)", False),
        ("people/priya/", False),
    ],
)
def test_only_links_within_the_hub_are_rendered(client, member, url, linked):
    _notify(member, url=url)
    client.force_login(member)
    html = client.get(_inbox_url()).text
    assert (f'href="{url}">Thing number 0 happened</a>' in html) is linked
    assert "Thing number 0 happened" in html


def test_the_header_shows_the_unread_count_with_one_query(client, member):
    _notify(member, 3)
    client.force_login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    header = re.search(r'<a id="header-notifications".*?</a>', response.text, re.S).group(0)
    assert "Notifications" in header
    assert 'class="govuk-tag khub-bell__count">3<span class="govuk-visually-hidden"> unread</span>' in header
    notification_queries = [q["sql"] for q in queries.captured_queries if "profiles_notification" in q["sql"]]
    assert len(notification_queries) == 1
    assert "COUNT(" in notification_queries[0].upper()


def test_the_header_shows_no_count_when_everything_is_read_and_nothing_to_visitors(client, member):
    client.force_login(member)
    header = re.search(r'<a id="header-notifications".*?</a>', client.get(reverse("home")).text, re.S).group(
        0
    )
    assert "govuk-tag" not in header
    client.logout()
    assert 'id="header-notifications"' not in client.get(reverse("home")).text


def test_the_unread_count_is_only_counted_when_a_template_uses_it(rf, member, django_assert_num_queries):
    _notify(member, 2)
    request = rf.get("/")
    request.user = member
    with django_assert_num_queries(0):
        context = inbox(request)
    with django_assert_num_queries(1):
        assert str(context["notifications_unread"]) == "2"
        assert context["notifications_unread"] == 2  # evaluated once, then kept


def test_the_unread_count_is_not_offered_to_anonymous_visitors(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    assert inbox(request) == {}


@override_settings(DEBUG=True)
def test_seed_demo_gives_each_demo_login_an_inbox_once():
    call_command("seed_demo")
    call_command("seed_demo")
    for account in demo.DEMO_ACCOUNTS:
        login = User.objects.get(email=account.email)
        lines = Notification.objects.filter(recipient=login, kind="follow")
        assert lines.count() == 3, account.email
        assert lines.filter(read_at__isnull=True).count() == 2
        assert Follow.objects.filter(followed=login).count() == 3
