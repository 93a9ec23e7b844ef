import pytest
from django.urls import reverse

from profiles.models import Follow, Notification
from profiles.services import follow_create, follow_delete, user_erase
from tests.factories import UserFactory
from tests.profiles.people_helpers import follow

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def priya(db):
    return UserFactory(display_name="Priya Shah")


def _follow_url(person, action="follow"):
    return reverse(f"profiles:{action}", kwargs={"handle": person.handle})


def test_following_with_a_plain_form_redirects_back_to_the_profile_with_a_message(client, member, priya):
    client.force_login(member)
    response = client.post(_follow_url(priya), follow=True)
    assert response.redirect_chain == [(reverse("profiles:profile", kwargs={"handle": priya.handle}), 302)]
    assert "You are now following Priya Shah" in response.text
    assert Follow.objects.filter(follower=member, followed=priya).exists()
    assert "Unfollow" in response.text
    assert "1 follower<" in response.text


def test_following_twice_keeps_one_follow_and_notifies_once(client, member, priya):
    client.force_login(member)
    client.post(_follow_url(priya))
    client.post(_follow_url(priya), **HTMX)
    assert Follow.objects.filter(follower=member, followed=priya).count() == 1
    (notification,) = Notification.objects.filter(recipient=priya)
    assert notification.kind == "follow"
    assert notification.actor == member


def test_follow_unfollow_follow_tells_them_once_while_unread():
    follower, followed = UserFactory(), UserFactory()
    for _ in range(3):
        follow_create(follower=follower, followed=followed)
        follow_delete(follower=follower, followed=followed)
    assert Notification.objects.filter(recipient=followed, kind="follow").count() == 1


def test_following_with_htmx_returns_the_fragment_with_the_unfollow_button_and_new_count(
    client, member, priya
):
    client.force_login(member)
    response = client.post(_follow_url(priya), **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "profiles/people/_follow.html"
    html = response.text
    assert "<html" not in html
    assert 'id="follow-panel"' in html
    assert 'id="follow-button"' in html
    assert "Unfollow" in html
    assert "1 follower<" in html
    assert 'hx-swap-oob="innerHTML">You are now following Priya Shah<' in html
    # htmx swaps it: no banner waiting on the next page
    assert "You are now following" not in client.get(reverse("home")).text


def test_unfollowing_by_plain_post_and_with_htmx(client, member, priya):
    follow(member, priya)
    client.force_login(member)
    response = client.post(_follow_url(priya, "unfollow"))
    assert response.status_code == 302
    assert response.url == reverse("profiles:profile", kwargs={"handle": priya.handle})
    assert not Follow.objects.filter(follower=member, followed=priya).exists()

    follow(member, priya)
    response = client.post(_follow_url(priya, "unfollow"), **HTMX)
    assert response.status_code == 200
    assert f'hx-post="{_follow_url(priya)}"' in response.text
    assert "0 followers" in response.text
    assert not Follow.objects.filter(follower=member, followed=priya).exists()


def test_unfollowing_someone_you_do_not_follow_changes_nothing(client, member, priya):
    client.force_login(member)
    assert client.post(_follow_url(priya, "unfollow")).status_code == 302
    assert not Follow.objects.exists()


def test_nobody_can_follow_themselves(client, member):
    client.force_login(member)
    response = client.post(_follow_url(member), follow=True)
    assert "You cannot follow yourself" in response.text
    assert 'class="govuk-notification-banner"' in response.text

    response = client.post(_follow_url(member), **HTMX)
    assert response.status_code == 200
    assert "You cannot follow yourself" in response.text
    assert 'class="govuk-error-message"' in response.text
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("action", ["follow", "unfollow"])
def test_get_is_not_allowed_on_follow_and_unfollow(client, member, priya, action):
    client.force_login(member)
    assert client.get(_follow_url(priya, action)).status_code == 405
    assert not Follow.objects.exists()


def test_deactivated_or_erased_members_cannot_be_followed(client, member, priya):
    gone = UserFactory()
    user_erase(user=gone)
    priya.is_active = False
    priya.save(update_fields=["is_active"])
    client.force_login(member)
    assert client.post(_follow_url(priya)).status_code == 404
    assert client.post(_follow_url(gone)).status_code == 404
    assert not Follow.objects.exists()


def test_anonymous_visitors_cannot_follow(client, priya):
    response = client.post(_follow_url(priya))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Follow.objects.exists()
