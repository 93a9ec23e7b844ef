from django.apps import AppConfig


class KhubConfig(AppConfig):
    name = "khub"
    verbose_name = "Knowledge Hub"

    def ready(self) -> None:
        from khub import extensions  # noqa: F401  (digests in the data export and account erasure)
