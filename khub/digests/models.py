"""The record of each member's digest for each period (in app "khub": its table and migrations keep that
label; khub/models.py imports it so Django finds it)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class DigestDelivery(models.Model):
    """One member's digest for one period (a day, or the week starting on a Monday).

    The unique constraint is the promise that nobody gets two: every run inserts the row first and only
    the worker that claims it builds and sends it. The content is stored as it was sent, so a failed send
    is retried with the same email and "view in browser" shows it again.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be built"
        BUILDING = "building", "Being built"
        READY = "ready", "Built, waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        EMPTY = "empty", "Nothing new: no email"
        SKIPPED = "skipped", "Not sent: the member no longer takes this digest"
        FAILED = "failed", "Failed: will be retried"
        GAVE_UP = "gave_up", "Failed: not retried"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=6, choices=Frequency.choices)
    period = models.DateField(help_text="The day of a daily digest; the Monday of a weekly one.")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    # What it covers: from the end of the member's last digest to when this one was built.
    covered_from = models.DateTimeField(null=True, blank=True)
    covered_to = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    sections = models.JSONField(default=list, blank=True)
    item_keys = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(fields=["user", "frequency", "period"], name="khub_digest_once"),
        ]
        indexes = [
            models.Index(fields=["user", "-covered_to"], name="khub_digest_user_latest"),
            models.Index(fields=["state", "retry_at"], name="khub_digest_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} digest for {self.user_id}, {self.period} ({self.state})"

    def get_absolute_url(self) -> str:
        """Its "view in browser" page, for its member only."""
        return reverse("digest", kwargs={"delivery_id": self.pk})
