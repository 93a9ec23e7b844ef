from django.apps import AppConfig


class AskConfig(AppConfig):
    name = "ask"
    verbose_name = "Ask the hub"

    def ready(self) -> None:
        # extensions: feed, search, digests, profiles, page panels, data export and erasure (registered once).
        from ask import extensions, receivers  # noqa: F401
