"""manage.py send_digests --frequency daily|weekly [--dry-run] [--user EMAIL]: what beat does at 07:00,
run by hand in this process (no worker or broker needed), reporting what it sent."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from khub.digests.content import digests_build, subject_for
from khub.digests.delivery import CHUNK_SIZE, deliver_chunk, period_for, recipients, with_history
from khub.models import DigestDelivery
from profiles.models import User
from profiles.permissions import is_on_the_hub


class Command(BaseCommand):
    help = "Send this period's activity digests now (each member gets at most one per period)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--frequency", required=True, choices=DigestDelivery.Frequency.values)
        parser.add_argument(
            "--dry-run", action="store_true", help="Build the digests and list them; send nothing."
        )
        parser.add_argument("--user", metavar="EMAIL", help="Only this member.")

    def handle(self, *args, frequency: str, dry_run: bool, user: str | None, **options) -> None:
        period = period_for(frequency=frequency)
        members = recipients(frequency=frequency)
        if user:
            members = members.filter(email__iexact=user.strip())
            if not members.exists():
                raise CommandError(self._why_not(user.strip(), frequency))
        ids = list(members.values_list("pk", flat=True))
        label = f"{frequency.capitalize()} digests for {period:%A %-d %B %Y}"
        if dry_run:
            self._dry_run(ids, frequency, label)
            return
        result = Counter()
        for start in range(0, len(ids), CHUNK_SIZE):
            result.update(
                deliver_chunk(frequency=frequency, period=period, user_ids=ids[start : start + CHUNK_SIZE])
            )
        self.stdout.write(
            f"{label}: {result['sent']} sent, {result['empty']} with nothing new (no email), "
            f"{result['failed']} failed (will be retried), {result['skipped']} already done, "
            f"out of {len(ids)} members."
        )

    def _dry_run(self, ids: list[int], frequency: str, label: str) -> None:
        now, would_send = timezone.now(), 0
        for start in range(0, len(ids), CHUNK_SIZE):
            users = list(with_history(User.objects.filter(pk__in=ids[start : start + CHUNK_SIZE])))
            for digest in digests_build(users=users, frequency=frequency, until=now).values():
                if digest.is_empty:
                    self.stdout.write(f"{digest.user.email}: nothing new")
                else:
                    would_send += 1
                    subject = subject_for(frequency=frequency, sections=digest.sections)
                    self.stdout.write(f"{digest.user.email}: {subject}")
        self.stdout.write(
            f"{label} (dry run, nothing sent): {would_send} would be sent, out of {len(ids)} members."
        )

    def _why_not(self, email: str, frequency: str) -> str:
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            return f"No member has the email address {email}."
        if not is_on_the_hub(person):
            return f"{email} is deactivated or erased: they get no email."
        if person.digest_frequency != frequency:
            return (
                f"{email} chose {person.get_digest_frequency_display().lower()}, not the {frequency} digest."
            )
        return f"{email} has not confirmed that address: no digest is sent to it."
