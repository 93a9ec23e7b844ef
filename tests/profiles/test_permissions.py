"""profiles.permissions: who is still on the hub, as a check on one person and as a filter, agree."""

import pytest
from django.utils import timezone

from profiles.models import Follow, User
from profiles.permissions import is_on_the_hub, on_the_hub, visible_people
from profiles.services import user_erase
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Everyone a row can hold: active, deactivated, erased through the service, and the two halves
    of an erasure apart (an erased row a site admin ticked active again, a deactivated admin)."""
    erased = user_erase(user=UserFactory())
    reactivated = user_erase(user=UserFactory())
    User.objects.filter(pk=reactivated.pk).update(is_active=True)
    return {
        "active": UserFactory(),
        "site_admin": AdminFactory(),
        "deactivated": UserFactory(is_active=False),
        "deactivated_admin": AdminFactory(is_active=False),
        "erased": erased,
        "erased_but_active": User.objects.get(pk=reactivated.pk),
        "erased_only": UserFactory(erased_at=timezone.now()),
    }


def test_the_check_on_one_person_agrees_with_the_filter(people):
    on_hub = set(User.objects.filter(on_the_hub()).values_list("pk", flat=True))
    assert on_hub == set(visible_people(people["active"]).values_list("pk", flat=True))
    answers = {name: is_on_the_hub(person) for name, person in people.items()}
    assert answers == {name: person.pk in on_hub for name, person in people.items()}
    assert {name for name, answer in answers.items() if answer} == {"active", "site_admin"}


def test_the_filter_through_a_relation_agrees_with_the_check(people):
    follower = UserFactory()
    for person in people.values():
        Follow.objects.create(follower=follower, followed=person)
    follows = Follow.objects.filter(on_the_hub("followed__"), follower=follower)
    followed = set(follows.values_list("followed_id", flat=True))
    assert followed == {person.pk for person in people.values() if is_on_the_hub(person)}
