from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "People and councils"

    def ready(self) -> None:
        from profiles import receivers  # noqa: F401  (allauth signals: see receivers.py)
