"""The authentication backends: Django's and allauth's, reading with the signed-in member's user row (once
per request) what the permission filters of every page then name instead of a subquery: the communities
they belong to or are invited to (communities.permissions) and the people and tags they follow
(profiles.selectors). Read afresh with each request, so nothing is kept that a change must invalidate."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from communities.permissions import standing_annotations as community_standing
from profiles.selectors import standing_annotations as follow_standing


class StandingMixin:
    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(**community_standing(), **follow_standing())
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(StandingMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(StandingMixin, AllauthBackend):
    pass
