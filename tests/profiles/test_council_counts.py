"""Council.member_count: the members on the hub linked to each council, as /councils/ lists them, kept in the
same transaction as whatever moves a member (profiles.receivers, profiles.services.councils_recount)."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.models import Council, User
from profiles.services import user_erase, user_set_council, user_sync_council_link
from tests.concurrency import at_once
from tests.factories import CouncilDomainFactory, CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


def _counts(*councils: Council) -> list[int]:
    return [Council.objects.get(pk=council.pk).member_count for council in councils]


def _actual(council: Council) -> int:
    return User.objects.filter(council=council, is_active=True, erased_at__isnull=True).count()


def test_a_member_created_in_a_council_is_counted():
    leeds = CouncilFactory()
    UserFactory.create_batch(3, council=leeds)
    UserFactory()  # no council

    assert _counts(leeds) == [3]


def test_joining_leaving_and_moving_council_move_the_counts():
    leeds, kent = CouncilFactory(), CouncilFactory()
    CouncilDomainFactory(council=leeds, domain="leeds.gov.uk")
    UserFactory(council=leeds)
    person = UserFactory(email="priya@leeds.gov.uk")  # a verified address at leeds.gov.uk, not linked yet
    assert _counts(leeds, kent) == [1, 0]

    user_sync_council_link(user=person)  # joins through their address
    assert _counts(leeds, kent) == [2, 0]

    user_set_council(user=User.objects.get(pk=person.pk), council=kent)  # a site admin moves them
    assert _counts(leeds, kent) == [1, 1]

    EmailAddress.objects.filter(user=person).delete()
    user_set_council(user=User.objects.get(pk=person.pk), council=None)  # unlinked: no address decides
    assert _counts(leeds, kent) == [1, 0]


def test_deactivating_and_reactivating_a_member_moves_their_council_count():
    leeds = CouncilFactory()
    person, _other = UserFactory.create_batch(2, council=leeds)

    person.is_active = False
    person.save()
    assert _counts(leeds) == [1]

    person.is_active = True
    person.save(update_fields=["is_active"])
    assert _counts(leeds) == [2]


def test_erasing_or_deleting_a_member_drops_them_from_the_count():
    leeds = CouncilFactory()
    erased, deleted, _stays = UserFactory.create_batch(3, council=leeds)

    user_erase(user=erased)
    assert _counts(leeds) == [2]

    User.objects.get(pk=deleted.pk).delete()
    assert _counts(leeds) == [1]


def test_a_site_admin_deactivating_or_moving_someone_in_the_admin_updates_the_counts(client, site_admin):
    leeds, kent = CouncilFactory(), CouncilFactory()
    person = UserFactory(council=leeds, council_linked_via=User.CouncilLink.ADMIN)
    client.force_login(site_admin)
    url = reverse("admin:profiles_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "council": kent.pk,
            "is_active": "",
            "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
            "emailaddress_set-TOTAL_FORMS": "0",
            "emailaddress_set-INITIAL_FORMS": "0",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.council_id, person.is_active) == (kent.pk, False)
    assert _counts(leeds, kent) == [0, 0]


def test_saves_that_cannot_move_a_member_recount_nothing():
    leeds = CouncilFactory()
    person = UserFactory(council=leeds)
    person.job_title = "Head of Housing"
    with CaptureQueriesContext(connection) as queries:
        person.save(update_fields=["job_title"])
    assert len(queries) == 1


def test_the_migration_counts_the_members_already_there():
    leeds, kent = CouncilFactory(), CouncilFactory()
    UserFactory.create_batch(2, council=leeds)
    UserFactory(council=leeds, is_active=False)
    UserFactory(council=kent)
    Council.objects.update(member_count=0)  # as the column's default left them
    migration = importlib.import_module("profiles.migrations.0005_people_pages")

    migration.count_members(apps, None)

    assert _counts(leeds, kent) == [2, 1]


def test_councils_page_shows_the_kept_counts(client, member):
    leeds = CouncilFactory(name="Leeds City Council")
    UserFactory.create_batch(2, council=leeds)
    UserFactory(council=leeds, is_active=False)
    client.force_login(member)

    councils = client.get(reverse("profiles:councils")).context["page_obj"]

    assert [(council.name, council.member_count) for council in councils] == [("Leeds City Council", 2)]


@pytest.mark.django_db(transaction=True)
def test_members_joining_one_council_at_once_are_all_counted(postgres_only):
    leeds = CouncilFactory()
    people = UserFactory.create_batch(4)

    joins = [lambda person=person: user_set_council(user=person, council=leeds) for person in people]

    errors = at_once(*joins)

    assert errors == []
    assert _counts(leeds) == [_actual(leeds)] == [4]
