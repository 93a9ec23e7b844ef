"""Who may see whom. Every people surface (directory, profiles, follower lists, councils, avatars) uses these.

Every signed-in member sees every other member who is still on the hub: deactivated and erased members
are gone from every list and their pages give 404. An email address is shown only where its owner chose
to show it, to the owner themselves and to site admins.
"""

from django.db.models import Q, QuerySet

from profiles.models import ON_THE_HUB, User


def on_the_hub(prefix: str = "") -> Q:
    """The rule as a filter, also on a related user ("follower__" + ...), for follows and counts."""
    return Q(**{f"{prefix}{key}": value for key, value in ON_THE_HUB.items()})


def is_on_the_hub(person: User) -> bool:
    """on_the_hub() for one person: neither deactivated nor erased."""
    return person.is_active and person.erased_at is None


def visible_people(viewer: User) -> QuerySet[User]:
    return User.objects.filter(on_the_hub())


def can_see_email(*, viewer: User, person: User) -> bool:
    if not viewer.is_authenticated:
        return False
    return person.show_email or viewer.pk == person.pk or viewer.is_staff
