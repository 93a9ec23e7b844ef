from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Community events"

    def ready(self) -> None:
        # extensions: feed, search, digests, profiles, data export and erasure (registered once, on import).
        from events import extensions  # noqa: F401
