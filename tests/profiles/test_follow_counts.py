"""User.follower_count and following_count: the follows from, and to, members on the hub, as a profile and
the follower lists show them, kept in the same transaction as whatever changes them (profiles.receivers,
profiles.services.follow_counts_change and follow_counts_shift)."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.models import Follow, User
from profiles.services import follow_create, follow_delete, follows_recount, user_erase
from tests.concurrency import at_once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _kept(*people: User) -> list[tuple[int, int]]:
    rows = User.objects.in_bulk([person.pk for person in people])
    return [(rows[p.pk].follower_count, rows[p.pk].following_count) for p in people]


def _actual(*people: User) -> list[tuple[int, int]]:
    """Counted as the profile counted them before the columns: over the follows, members on the hub only."""
    return [
        (
            Follow.objects.filter(
                followed=p, follower__is_active=True, follower__erased_at__isnull=True
            ).count(),
            Follow.objects.filter(
                follower=p, followed__is_active=True, followed__erased_at__isnull=True
            ).count(),
        )
        for p in people
    ]


def test_following_and_unfollowing_move_both_counts():
    priya, sam, alex = UserFactory.create_batch(3)

    follow_create(follower=sam, followed=priya)
    follow_create(follower=alex, followed=priya)
    follow_create(follower=sam, followed=priya)  # again: nothing changes
    assert _kept(priya, sam, alex) == _actual(priya, sam, alex) == [(2, 0), (0, 1), (0, 1)]

    follow_delete(follower=sam, followed=priya)
    follow_delete(follower=sam, followed=priya)  # again: nothing changes
    assert _kept(priya, sam, alex) == _actual(priya, sam, alex) == [(1, 0), (0, 0), (0, 1)]


def test_follows_made_and_removed_outside_the_services_are_counted_too():
    priya, sam = UserFactory.create_batch(2)

    follow = Follow.objects.create(follower=sam, followed=priya)
    assert _kept(priya, sam) == [(1, 0), (0, 1)]

    follow.delete()
    assert _kept(priya, sam) == [(0, 0), (0, 0)]


def test_a_member_leaving_the_hub_leaves_the_counts_of_those_they_follow_and_their_followers():
    priya, sam, alex = UserFactory.create_batch(3)
    follow_create(follower=sam, followed=priya)
    follow_create(follower=priya, followed=alex)
    follow_create(follower=alex, followed=sam)

    sam.is_active = False
    sam.save()  # every field: the admin's form
    assert _kept(priya, alex) == _actual(priya, alex) == [(0, 1), (1, 0)]

    sam.is_active = True
    sam.save(update_fields=["is_active"])
    assert _kept(priya, alex) == _actual(priya, alex) == [(1, 1), (1, 1)]

    sam.save()  # saved again as it is: nothing counted twice
    assert _kept(priya, sam, alex) == _actual(priya, sam, alex)


def test_a_stale_copy_saved_after_a_deactivation_counts_the_member_again():
    priya, sam = UserFactory.create_batch(2)
    follow_create(follower=sam, followed=priya)
    stale = User.objects.get(pk=sam.pk)
    deactivated = User.objects.get(pk=sam.pk)
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    assert _kept(priya) == [(0, 0)]

    stale.save()  # an older copy, still active, saved whole: the member is back on the hub

    assert _kept(priya) == _actual(priya) == [(1, 0)]


def test_a_follow_of_or_by_someone_off_the_hub_counts_for_no_one():
    priya, gone = UserFactory(), UserFactory(is_active=False)

    Follow.objects.create(follower=gone, followed=priya)
    Follow.objects.create(follower=priya, followed=gone)

    assert _kept(priya) == _actual(priya) == [(0, 0)]
    Follow.objects.filter(follower=gone).delete()
    Follow.objects.filter(followed=gone).delete()
    assert _kept(priya) == [(0, 0)]


def test_erasing_a_member_takes_their_follows_out_of_everyone_s_counts():
    erased, priya, sam = UserFactory.create_batch(3)
    follow_create(follower=erased, followed=priya)
    follow_create(follower=sam, followed=erased)
    follow_create(follower=sam, followed=priya)

    with CaptureQueriesContext(connection) as queries:
        user_erase(user=erased)

    assert _kept(erased, priya, sam) == _actual(erased, priya, sam) == [(0, 0), (1, 0), (0, 1)]
    # Counted in a few statements, not one per follow.
    assert sum("profiles_follow" in q["sql"] and q["sql"].startswith("UPDATE") for q in queries) <= 4


def test_deleting_a_member_outright_takes_their_follows_out_of_everyone_s_counts():
    deleted, priya, sam = UserFactory.create_batch(3)
    follow_create(follower=deleted, followed=priya)
    follow_create(follower=sam, followed=deleted)

    User.objects.get(pk=deleted.pk).delete()
    assert _kept(priya, sam) == _actual(priya, sam) == [(0, 0), (0, 0)]

    gone = UserFactory()
    follow_create(follower=gone, followed=priya)
    User.objects.filter(pk=gone.pk).delete()  # the admin's "delete selected"
    assert _kept(priya) == [(0, 0)]


def test_a_site_admin_deactivating_someone_in_the_admin_updates_the_counts(client, site_admin):
    from tests.profiles.people_helpers import admin_user_change

    priya, sam = UserFactory.create_batch(2)
    follow_create(follower=sam, followed=priya)
    client.force_login(site_admin)

    response = admin_user_change(client, User.objects.get(pk=sam.pk), is_active=None)

    assert response.status_code == 302
    assert _kept(priya) == _actual(priya) == [(0, 0)]


def test_saves_that_cannot_change_who_is_on_the_hub_count_nothing():
    priya = UserFactory()
    priya.job_title = "Head of Housing"
    with CaptureQueriesContext(connection) as queries:
        priya.save(update_fields=["job_title", "last_login"])
    assert len(queries) == 1


def test_the_migration_and_the_recount_count_the_follows_already_there():
    priya, sam, gone = UserFactory.create_batch(3)
    Follow.objects.bulk_create(
        [
            Follow(follower=sam, followed=priya),
            Follow(follower=gone, followed=priya),
            Follow(follower=priya, followed=sam),
        ]
    )  # no signals
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert _kept(priya, sam) == [(0, 0), (0, 0)]

    importlib.import_module("profiles.migrations.0006_follow_counts").count_follows(apps, None)
    assert _kept(priya, sam) == _actual(priya, sam) == [(1, 1), (1, 1)]

    User.objects.update(follower_count=0, following_count=0)
    follows_recount()
    assert _kept(priya, sam) == [(1, 1), (1, 1)]


def test_the_profile_and_the_follower_lists_show_the_kept_counts(client, member):
    priya, sam, gone = UserFactory.create_batch(3)
    for follower in (sam, gone, member):
        follow_create(follower=follower, followed=priya)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(member)

    profile = client.get(reverse("profiles:profile", kwargs={"handle": priya.handle}))
    followers = client.get(reverse("profiles:followers", kwargs={"handle": priya.handle}))
    following = client.get(reverse("profiles:following", kwargs={"handle": member.handle}))

    assert "2 followers<" in profile.text
    assert followers.context["page_obj"].paginator.count == 2
    assert {person.pk for person in followers.context["page_obj"]} == {sam.pk, member.pk}
    assert "2 people" in followers.text
    assert [person.pk for person in following.context["page_obj"]] == [priya.pk]
    assert following.context["page_obj"].paginator.count == 1


@pytest.mark.django_db(transaction=True)
def test_many_following_one_member_at_once_are_all_counted(postgres_only):
    priya = UserFactory()
    fans = UserFactory.create_batch(4)

    errors = at_once(*[lambda fan=fan: follow_create(follower=fan, followed=priya) for fan in fans])

    assert errors == []
    assert _kept(priya) == _actual(priya) == [(4, 0)]


@pytest.mark.django_db(transaction=True)
def test_a_follow_while_the_follower_is_deactivated_is_counted_once_or_not_at_all(postgres_only):
    priya, sam = UserFactory.create_batch(2)

    def deactivate():
        person = User.objects.get(pk=sam.pk)
        person.is_active = False
        person.save(update_fields=["is_active"])

    errors = at_once(lambda: follow_create(follower=sam, followed=priya), deactivate)

    assert errors == []
    assert _kept(priya, sam) == _actual(priya, sam)
