from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        # extensions: profile sections, data export, erasure, notices (registered once, on import);
        # receivers: member and helpful counts that follow a user row saved or deleted.
        from communities import extensions, receivers  # noqa: F401
