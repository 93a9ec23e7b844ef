from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from communities import extensions  # noqa: F401  (profile sections, data export, erasure)
