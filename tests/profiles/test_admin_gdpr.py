"""Site admins act on a member's UK GDPR request from the user changelist: export their data, erase them."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from profiles.models import User
from profiles.services import follow_create, user_erase
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _changelist() -> str:
    return reverse("admin:profiles_user_changelist")


def _act(client, action: str, users, **extra):
    return client.post(
        _changelist(), {"action": action, ACTION_CHECKBOX_NAME: [u.pk for u in users], **extra}
    )


def test_a_site_admin_downloads_the_data_of_the_selected_members_as_one_json_file(client, site_admin):
    first, second = UserFactory(display_name="Ann One"), UserFactory(display_name="Bob Two")
    follow_create(follower=first, followed=second)
    UserFactory()  # not selected
    client.force_login(site_admin)

    response = _act(client, "export_personal_data", [first, second])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="khub-data-')
    data = json.loads(response.content)
    assert set(data) == {first.email, second.email}
    assert data[first.email]["profile"]["display_name"] == "Ann One"
    assert [f["handle"] for f in data[second.email]["followers"]] == [first.handle]


def test_erasing_from_the_admin_asks_for_confirmation_first(client, site_admin):
    person = UserFactory(display_name="Cat Three")
    client.force_login(site_admin)

    response = _act(client, "erase_accounts", [person])

    assert response.status_code == 200
    assert "admin/profiles/user/erase_confirmation.html" in [t.name for t in response.templates]
    assert "Cat Three" in response.text
    assert 'name="post" value="yes"' in response.text
    person.refresh_from_db()
    assert person.erased_at is None


def test_confirming_erases_the_selected_members_and_logs_it(client, site_admin):
    people = UserFactory.create_batch(2)
    bystander = UserFactory()
    client.force_login(site_admin)

    response = _act(client, "erase_accounts", people, post="yes")

    assert response.status_code == 302
    for person in people:
        person.refresh_from_db()
        assert person.erased_at is not None
        assert person.public_name == "Former member"
        assert not person.is_active
    bystander.refresh_from_db()
    assert bystander.erased_at is None
    entries = LogEntry.objects.filter(object_id__in=[str(p.pk) for p in people])
    assert sorted(e.object_repr for e in entries) == ["Former member", "Former member"]
    assert "Erased 2 accounts." in client.get(_changelist()).text


def test_a_site_admin_cannot_erase_themselves_through_the_admin(client, site_admin):
    other = UserFactory()
    client.force_login(site_admin)

    response = _act(client, "erase_accounts", [site_admin, other], post="yes")

    assert response.status_code == 302
    assert "You cannot erase your own account here" in client.get(_changelist()).text
    for user in (site_admin, other):
        user.refresh_from_db()
        assert user.erased_at is None


def test_members_who_are_not_staff_cannot_use_the_actions(client, member):
    person = UserFactory()
    client.force_login(member)
    for action in ("export_personal_data", "erase_accounts"):
        response = _act(client, action, [person], post="yes")
        assert response.status_code == 302
        assert "/admin/login/" in response.url
    person.refresh_from_db()
    assert person.erased_at is None


def test_staff_who_may_only_view_people_can_export_but_not_erase(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    person = UserFactory()
    client.force_login(staff)

    assert _act(client, "export_personal_data", [person]).status_code == 200
    _act(client, "erase_accounts", [person], post="yes")

    person.refresh_from_db()
    assert person.erased_at is None


def test_the_changelist_shows_and_filters_erased_accounts(client, site_admin):
    erased = UserFactory()
    user_erase(user=erased)
    kept = UserFactory()
    client.force_login(site_admin)

    only_erased = client.get(_changelist(), {"erased": "yes"}).context["cl"].result_list
    not_erased = client.get(_changelist(), {"erased": "no"}).context["cl"].result_list

    assert [u.pk for u in only_erased] == [erased.pk]
    assert kept.pk in [u.pk for u in not_erased]
    assert erased.pk not in [u.pk for u in not_erased]
    assert "column-erased_at" in client.get(_changelist()).text
    assert User.objects.get(pk=erased.pk).erased_at is not None
