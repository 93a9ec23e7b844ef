"""The demo's councils and people (data/councils.yaml, data/people.yaml): real English councils, invented
people at reserved addresses, linked to their councils explicitly, as a site admin would; their profiles
(a few with a photo drawn by photos.py, the others showing their initials), who follows whom, and an inbox
for each demo login.

Every address is under demo.khub.test (RFC 2606 reserves .test), so no demo email can reach a real person;
reading people.yaml fails on any other. Elsewhere in the demo a person is a Key, resolved by Cast.person.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from khub.demo.files import read
from khub.demo.photos import portrait_upload
from profiles.models import Council, CouncilDomain, Follow, Notification, User
from profiles.services import follow_create, profile_update

DEMO_DOMAIN = "demo.khub.test"

Key = str | int  # a demo login ("facilitator", "member", "admin") or the index of a demo colleague


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    job_title: str
    council_slug: str | None
    is_staff: bool = False
    tries: str = ""  # one line for seed_demo's output: what signing in as this person shows


def _accounts(records: list[dict]) -> tuple[DemoAccount, ...]:
    accounts = []
    for record in records:
        record = dict(record)
        if not record["email"].endswith(f"@{DEMO_DOMAIN}"):
            raise ValueError(
                f"people.yaml: {record['email']} is not a reserved demo address (@{DEMO_DOMAIN})"
            )
        accounts.append(DemoAccount(council_slug=record.pop("council", None), **record))
    return tuple(accounts)


_PEOPLE = read("people")
DEMO_ACCOUNTS = _accounts(_PEOPLE["logins"])
PEOPLE_COUNT = _PEOPLE["colleagues"]["count"]
FIRST_NAMES: list[str] = _PEOPLE["colleagues"]["first_names"]
LAST_NAMES: list[str] = _PEOPLE["colleagues"]["last_names"]
JOB_TITLES: list[str] = _PEOPLE["colleagues"]["job_titles"]
# What each demo job title knows about and says about itself: (expertise tags, Markdown bio).
PROFILES_BY_JOB = {job: (p["expertise"], p["bio"]) for job, p in _PEOPLE["profiles"].items()}
INTERESTS: list[str] = _PEOPLE["interests"]
# Who the demo logins follow, by index among the colleagues (sorted by address).
LOGIN_FOLLOWS: dict[str, list[int]] = _PEOPLE["login_follows"]
COUNCILS = [
    {**council, "kind": Council.Kind(council["kind"]), "region": Council.Region(council["region"])}
    for council in read("councils")
]

# When the demo people joined the hub, in days before the first seed: before any demo community existed
# (the oldest is 500 days old). A digest's first window starts no earlier than its member joined.
LOGINS_JOINED_DAYS_AGO = 800
COLLEAGUES_JOINED_DAYS_AGO = (560, 755)
# The colleagues with a photo, as Cast numbers them (Keys): some who start and answer conversations.
PHOTO_COLLEAGUES = (0, 1, 2, 14)
# Hours ago that three colleagues started following each demo login; the oldest is already read.
INBOX_AGES = (2, 27, 75)

MENTION = re.compile(r"@\[(\w+)\]")


@dataclass(frozen=True)
class Cast:
    """The demo people as the database has them, for reading the Keys in the demo's files."""

    logins: dict[str, User]
    colleagues: list[User]

    @classmethod
    def load(cls) -> "Cast":
        emails = [account.email for account in DEMO_ACCOUNTS]
        logins = {email.split("@")[0]: User.objects.get(email=email) for email in emails}
        colleagues = list(
            User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exclude(email__in=emails).order_by("pk")
        )
        return cls(logins=logins, colleagues=colleagues)

    def person(self, key: Key) -> User:
        """A login by name, or the n-th colleague."""
        return self.logins[key] if isinstance(key, str) else self.colleagues[key % len(self.colleagues)]

    def text(self, body: str) -> str:
        """`body` with each "@[member]" or "@[20]" written as that person's @handle."""
        return MENTION.sub(lambda m: "@" + self.person(int(m[1]) if m[1].isdigit() else m[1]).handle, body)


def seed_councils() -> dict[str, Council]:
    councils = {}
    for record in COUNCILS:
        council, _ = Council.objects.update_or_create(
            slug=slugify(record["name"]),
            defaults={
                "name": record["name"],
                "kind": record["kind"],
                "region": record["region"],
                "website": record["website"],
            },
        )
        for domain in record["domains"]:
            CouncilDomain.objects.update_or_create(domain=domain, defaults={"council": council})
        councils[council.slug] = council
    return councils


def seed_people(*, councils: dict[str, Council], password: str) -> None:
    """The demo logins (with `password`) and colleagues, their inboxes and profiles. Safe to run again:
    everyone is keyed on their address."""
    council_list = list(councils.values())
    login_hash = make_password(password)
    now = timezone.now()
    for account in DEMO_ACCOUNTS:
        _upsert_person(
            email=account.email,
            display_name=account.display_name,
            job_title=account.job_title,
            council=councils.get(account.council_slug) if account.council_slug else None,
            password_hash=login_hash,
            joined=now - timedelta(days=LOGINS_JOINED_DAYS_AGO),
            is_staff=account.is_staff,
        )
    # Demo colleagues cannot sign in: they only populate the hub. They joined one after another.
    no_login = make_password(None)
    earliest, latest = COLLEAGUES_JOINED_DAYS_AGO
    for i in range(PEOPLE_COUNT):
        first, last = _colleague_name(i)
        _upsert_person(
            email=f"{first}.{last}.{i + 1}@{DEMO_DOMAIN}".lower(),
            display_name=f"{first} {last}",
            job_title=JOB_TITLES[(i * 3) % len(JOB_TITLES)],
            council=council_list[i % len(council_list)],
            password_hash=no_login,
            joined=now - timedelta(days=latest - (latest - earliest) * i / PEOPLE_COUNT),
        )
    _seed_inbox()
    _seed_profiles()


def _upsert_person(
    *,
    email: str,
    display_name: str,
    job_title: str,
    council: Council | None,
    password_hash: str,
    joined: datetime,
    is_staff: bool = False,
) -> User:
    # `joined` dates a new person only: a rerun leaves the date alone.
    user = User.objects.filter(email__iexact=email).first() or User(email=email, date_joined=joined)
    user.display_name = display_name
    user.job_title = job_title
    user.council = council
    user.council_linked_via = User.CouncilLink.ADMIN if council else ""
    user.is_staff = user.is_superuser = is_staff
    user.password = password_hash
    user.save()
    # allauth's mandatory verification needs a verified primary address to sign in.
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _seed_inbox() -> None:
    """Give each demo login an inbox: three colleagues follow them (which notifies them), one already read.

    Once only: a login whose inbox already has follow notifications is left alone, so a rerun adds nothing.
    """
    logins = User.objects.filter(email__in=[account.email for account in DEMO_ACCOUNTS]).order_by("email")
    colleagues = list(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
        .exclude(email__in=[account.email for account in DEMO_ACCOUNTS])
        .order_by("email")
    )
    now = timezone.now()
    for offset, login in enumerate(logins):
        if Notification.objects.filter(recipient=login, kind="follow").exists():
            continue
        followers = colleagues[offset * len(INBOX_AGES) :][: len(INBOX_AGES)]
        for hours, follower in zip(INBOX_AGES, followers, strict=False):
            if Follow.objects.filter(follower=follower, followed=login).exists():
                continue  # followed already without a notification: leave that as it is
            follow_create(follower=follower, followed=login)
            sent = now - timedelta(hours=hours)
            Follow.objects.filter(follower=follower, followed=login).update(created_at=sent)
            Notification.objects.filter(recipient=login, kind="follow", actor=follower).update(
                created_at=sent, read_at=sent + timedelta(hours=1) if hours == INBOX_AGES[-1] else None
            )


def _seed_profiles() -> None:
    """Bios, expertise and interests for every demo person, and follows among them. Safe to rerun:
    profiles are set to the same values and following someone twice changes nothing."""
    people = list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("email"))
    logins = {account.email for account in DEMO_ACCOUNTS}
    # A few colleagues have a photo (drawn by khub.demo.photos); everyone else shows their initials.
    # Once only: a rerun leaves a stored photo as it is rather than storing another.
    by_pk = sorted((person for person in people if person.email not in logins), key=lambda person: person.pk)
    with_photo = [by_pk[index] for index in PHOTO_COLLEAGUES if index < len(by_pk)]
    for number, person in enumerate(people):
        photo = None
        if person in with_photo and not person.avatar:
            photo = portrait_upload(name=person.display_name, seed=with_photo.index(person))
        expertise, bio = PROFILES_BY_JOB.get(person.job_title, ([], ""))
        interests = [INTERESTS[(number + step) % len(INTERESTS)] for step in (0, 3, 7)]
        profile_update(
            user=person,
            display_name=person.display_name,
            job_title=person.job_title,
            bio=bio,
            show_email=number % 3 == 0,
            expertise=expertise,
            interests=interests,
            avatar=photo,
        )
    colleagues = [person for person in people if person.email not in logins]
    by_email = {person.email: person for person in people}
    for email, picks in LOGIN_FOLLOWS.items():
        for index in picks:
            follow_create(follower=by_email[email], followed=colleagues[index % len(colleagues)])
    # Colleagues follow a few colleagues (never the logins, whose inboxes _seed_inbox arranges).
    for number, person in enumerate(colleagues):
        for step in (1, 7):
            follow_create(follower=person, followed=colleagues[(number + step) % len(colleagues)])


def _colleague_name(i: int) -> tuple[str, str]:
    """The i-th demo colleague's (first, last) name, all different for the PEOPLE_COUNT colleagues.

    Each round through FIRST_NAMES moves the last names on by one, so that a first name coming round
    again gets another last name (7 is prime to len(LAST_NAMES): one round gives each a different one).
    """
    rounds = i // len(FIRST_NAMES)
    return FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7 + rounds) % len(LAST_NAMES)]
