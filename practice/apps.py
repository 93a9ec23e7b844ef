from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice worth repeating"

    def ready(self) -> None:
        from practice import extensions  # noqa: F401  (council pages, contributions, data export, erasure)
