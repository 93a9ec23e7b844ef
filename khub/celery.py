import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khub.settings.local")

app = Celery("khub")
# Every CELERY_* setting in khub/settings configures the app (broker, eager mode, timeouts, beat).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
