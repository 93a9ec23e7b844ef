from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from khub import demo


class Command(BaseCommand):
    help = "Load the demo councils, people and logins. Idempotent. Refuses when DEBUG is off unless --force."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Demo accounts have a known password; "
                "pass --force if you really want them here."
            )
        password = settings.DEMO_PASSWORD
        report = demo.seed(password=password)
        # The last lines `make run` prints before the server starts: where to go and as whom.
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {report.councils} councils, {report.people} people, "
                f"{report.communities} communities."
            )
        )
        self.stdout.write(f"\nOpen {settings.SITE_URL}/ and sign in as one of these, password '{password}':")
        width = max(len(account.email) for account in report.logins)
        for account in report.logins:
            self.stdout.write(f"  {account.email:<{width}}  {account.tries}")
        self.stdout.write("")
