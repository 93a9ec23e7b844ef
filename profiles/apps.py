from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "People and councils"

    def ready(self) -> None:
        from core.providers.search import register_search_kind
        from profiles import receivers  # noqa: F401  (allauth signals: see receivers.py)
        from profiles.extensions import register_notice_subjects
        from profiles.permissions import visible_people
        from profiles.providers import PEOPLE_IN_SEARCH

        register_notice_subjects(
            "profiles.user", visible_people
        )  # a follow, while the follower is on the hub
        register_search_kind(PEOPLE_IN_SEARCH)
