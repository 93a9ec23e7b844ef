from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Community libraries"

    def ready(self) -> None:
        # extensions: feed, search, digests, profiles, attachments, data export and erasure (registered once).
        from library import extensions  # noqa: F401
