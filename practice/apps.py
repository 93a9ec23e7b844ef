from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice worth repeating"

    def ready(self) -> None:
        # extensions: council pages, contributions, data export, erasure, notices (registered once, on
        # import); receivers: endorsement counts that follow a user row deleted.
        from practice import extensions, receivers  # noqa: F401
