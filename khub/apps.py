from django.apps import AppConfig


class KhubConfig(AppConfig):
    name = "khub"
    verbose_name = "Knowledge Hub"
