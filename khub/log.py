"""Logging filters named in settings.LOGGING (loaded while Django configures logging: no models here)."""

import logging


class RefusalsInOneLine(logging.Filter):
    """On django.request: a refusal (a 4xx, such as PermissionDenied's 403 or BadRequest's 400) is logged
    as its one-line message, at the level Django gives it, without the exception's traceback, which says
    nothing a 403 needs and buries real errors when someone probes the site. Server errors (5xx, and
    anything logged without a status) keep their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
