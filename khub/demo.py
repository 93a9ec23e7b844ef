"""Demo data for `manage.py seed_demo`: real English councils, invented people at reserved addresses.

Every address is under demo.khub.test (RFC 2606 reserves .test), so no demo email can reach a real
person, and seeding sends none: the notices it writes are old news in the inboxes (_skip_emails).
Demo people are linked to their councils explicitly, as a site admin would.
Later features add their own content here, each as a function called from seed().
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from profiles.models import Council, CouncilDomain, EmailState, Follow, Notification, User
from profiles.services import follow_create, profile_update

DEMO_DOMAIN = "demo.khub.test"

K = Council.Kind
R = Council.Region
# (name, kind, region, website, email domains)
COUNCILS = [
    ("Leeds City Council", K.METROPOLITAN, R.YORKSHIRE, "https://www.leeds.gov.uk", ["leeds.gov.uk"]),
    (
        "Manchester City Council",
        K.METROPOLITAN,
        R.NORTH_WEST,
        "https://www.manchester.gov.uk",
        ["manchester.gov.uk"],
    ),
    ("Kent County Council", K.COUNTY, R.SOUTH_EAST, "https://www.kent.gov.uk", ["kent.gov.uk"]),
    ("London Borough of Camden", K.LONDON_BOROUGH, R.LONDON, "https://www.camden.gov.uk", ["camden.gov.uk"]),
    ("London Borough of Hackney", K.LONDON_BOROUGH, R.LONDON, "https://hackney.gov.uk", ["hackney.gov.uk"]),
    ("Bristol City Council", K.UNITARY, R.SOUTH_WEST, "https://www.bristol.gov.uk", ["bristol.gov.uk"]),
    ("Cornwall Council", K.UNITARY, R.SOUTH_WEST, "https://www.cornwall.gov.uk", ["cornwall.gov.uk"]),
    (
        "Birmingham City Council",
        K.METROPOLITAN,
        R.WEST_MIDLANDS,
        "https://www.birmingham.gov.uk",
        ["birmingham.gov.uk"],
    ),
    ("Norfolk County Council", K.COUNTY, R.EAST, "https://www.norfolk.gov.uk", ["norfolk.gov.uk"]),
    (
        "South Cambridgeshire District Council",
        K.DISTRICT,
        R.EAST,
        "https://www.scambs.gov.uk",
        ["scambs.gov.uk"],
    ),
    (
        "Nottinghamshire County Council",
        K.COUNTY,
        R.EAST_MIDLANDS,
        "https://www.nottinghamshire.gov.uk",
        ["nottscc.gov.uk", "nottinghamshire.gov.uk"],
    ),
    (
        "Newcastle City Council",
        K.METROPOLITAN,
        R.NORTH_EAST,
        "https://www.newcastle.gov.uk",
        ["newcastle.gov.uk"],
    ),
    (
        "Greater Manchester Combined Authority",
        K.COMBINED,
        R.NORTH_WEST,
        "https://www.greatermanchester-ca.gov.uk",
        ["greatermanchester-ca.gov.uk"],
    ),
]

FIRST_NAMES = [
    "Priya",
    "Tom",
    "Aisha",
    "Gareth",
    "Hannah",
    "Kwame",
    "Siobhan",
    "Daniel",
    "Mei",
    "Oliver",
    "Fatima",
    "Rhys",
    "Grace",
    "Imran",
    "Laura",
    "Callum",
    "Niamh",
    "Joseph",
    "Zara",
    "Owen",
]
LAST_NAMES = [
    "Shah",
    "Whitaker",
    "Okafor",
    "Pritchard",
    "Nowak",
    "Mensah",
    "Doyle",
    "Hughes",
    "Chen",
    "Barker",
    "Rahman",
    "Evans",
    "Campbell",
    "Qureshi",
    "Fletcher",
    "Murray",
    "Byrne",
    "Atkinson",
    "Ali",
    "Lloyd",
]
JOB_TITLES = [
    "Head of Adult Social Care Commissioning",
    "Digital Transformation Lead",
    "Housing Options Manager",
    "Senior Planning Officer",
    "Waste and Recycling Service Manager",
    "Public Health Consultant",
    "Customer Services Team Leader",
    "Strategic Procurement Manager",
    "Community Safety Coordinator",
    "Early Help Practice Lead",
    "Data and Insight Analyst",
    "HR Business Partner",
    "Climate Emergency Programme Manager",
    "Highways Asset Manager",
    "Democratic Services Officer",
    "Economic Development Officer",
    "Libraries and Culture Manager",
    "Service Designer",
    "Revenues and Benefits Manager",
    "Family Hubs Programme Lead",
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    job_title: str
    council_slug: str | None
    is_staff: bool = False
    tries: str = ""  # one line for seed_demo's output: what signing in as this person shows


DEMO_ACCOUNTS = [
    DemoAccount(
        "admin@demo.khub.test",
        "Alex Admin",
        "Knowledge Hub site administrator",
        None,
        is_staff=True,
        tries="site admin: councils, people and hub settings at /admin/",
    ),
    DemoAccount(
        "facilitator@demo.khub.test",
        "Fran Facilitator",
        "Digital Transformation Lead",
        "leeds-city-council",
        tries="owns Digital Transformation and private Heads of Digital; reports to decide",
    ),
    DemoAccount(
        "member@demo.khub.test",
        "Morgan Member",
        "Housing Options Manager",
        "london-borough-of-camden",
        tries="a mention and a reply in the inbox, a story three councils repeated, a draft",
    ),
    DemoAccount(
        "outsider@demo.khub.test",
        "Owen Outsider",
        "Senior Planning Officer",
        "cornwall-council",
        tries="in no community: join an open one, ask to join a restricted one",
    ),
]
PEOPLE_COUNT = 40
# When the demo people joined the hub, in days before the first seed: before any demo community existed
# (the oldest is 500 days old). A digest's first window starts no earlier than its member joined.
LOGINS_JOINED_DAYS_AGO = 800
COLLEAGUES_JOINED_DAYS_AGO = (560, 755)


@dataclass
class SeedReport:
    councils: int = 0
    people: int = 0
    communities: int = 0
    logins: tuple[DemoAccount, ...] = ()


def _seed_councils() -> dict[str, Council]:
    councils = {}
    for name, kind, region, website, domains in COUNCILS:
        council, _ = Council.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "kind": kind, "region": region, "website": website}
        )
        for domain in domains:
            CouncilDomain.objects.update_or_create(domain=domain, defaults={"council": council})
        councils[council.slug] = council
    return councils


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


# Hours ago that three colleagues started following each demo login; the oldest is already read.
INBOX_AGES = (2, 27, 75)


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


# What each demo job title knows about and says about itself: (expertise tags, Markdown bio).
PROFILES_BY_JOB = {
    "Head of Adult Social Care Commissioning": (
        ["Adult social care", "Commissioning", "Market shaping", "Home care"],
        "I commission home care and extra-care housing for older and disabled adults.\n\n"
        "We moved to **outcome-based contracts** with our home care providers in 2023; happy to share "
        "what went well and what we would do differently.",
    ),
    "Digital Transformation Lead": (
        ["Digital transformation", "User research", "Agile delivery", "Legacy systems"],
        "I lead a small multidisciplinary team replacing paper and email processes with online services.\n\n"
        "Ask me about:\n\n- running discovery with a tiny budget\n- getting out of long supplier contracts\n"
        "- the Local Digital Declaration",
    ),
    "Housing Options Manager": (
        ["Homelessness prevention", "Housing allocations", "Temporary accommodation"],
        "I manage the housing options service: advice, prevention and relief duties under the "
        "*Homelessness Reduction Act*.\n\nWe have cut our use of B&B for families to zero for a year.",
    ),
    "Senior Planning Officer": (
        ["Development management", "Local plans", "Planning enforcement", "Biodiversity net gain"],
        "Major applications and pre-application advice. Lately a lot of **biodiversity net gain** "
        "conditions and section 106 negotiations.",
    ),
    "Waste and Recycling Service Manager": (
        ["Waste collection", "Recycling", "Food waste", "Fleet management"],
        "I run collections for 180,000 households. We are rolling out weekly food waste collections "
        "ahead of the Simpler Recycling deadline and re-routing rounds with telematics data.",
    ),
    "Public Health Consultant": (
        ["Public health", "Health inequalities", "Tobacco control", "Joint strategic needs assessment"],
        "Public health consultant leading on health inequalities and our joint strategic needs "
        "assessment.\n\nInterested in anyone using population health management data with the ICB.",
    ),
    "Customer Services Team Leader": (
        ["Customer services", "Contact centres", "Channel shift", "Complaints handling"],
        "I lead a contact centre team of 25. We have moved half our calls to web forms and call-backs "
        "without losing the people who need to talk to someone.",
    ),
    "Strategic Procurement Manager": (
        ["Procurement", "Procurement Act 2023", "Social value", "Contract management"],
        "Procurement lead for goods and services above threshold. Currently getting everyone ready "
        "for the **Procurement Act 2023** and rewriting our social value framework.",
    ),
    "Community Safety Coordinator": (
        ["Community safety", "Anti-social behaviour", "Domestic abuse", "Partnership working"],
        "I coordinate our community safety partnership with the police, fire service and housing "
        "providers. Most of my time goes on anti-social behaviour case reviews.",
    ),
    "Early Help Practice Lead": (
        ["Early help", "Children's services", "Family support", "Supporting Families"],
        "Practice lead for early help. I support family workers, run case audits and look after our "
        "Supporting Families outcomes plan.",
    ),
    "Data and Insight Analyst": (
        ["Data analysis", "Power BI", "Performance management", "Open data"],
        "I build the dashboards our directors actually read. Happy to share Power BI templates for "
        "housing, waste and customer contact data.",
    ),
    "HR Business Partner": (
        ["Workforce planning", "Recruitment", "Hybrid working", "Apprenticeships"],
        "HR business partner for place and environment services. Recruitment and retention in "
        "planning and environmental health keeps me busy.",
    ),
    "Climate Emergency Programme Manager": (
        ["Net zero", "Climate adaptation", "Retrofit", "Carbon accounting"],
        "I run our climate emergency programme: decarbonising our estate and fleet and supporting "
        "**home retrofit** across the borough.",
    ),
    "Highways Asset Manager": (
        ["Highways maintenance", "Asset management", "Potholes", "Street lighting"],
        "Highways asset management: condition surveys, the capital programme and our switch to LED "
        "street lighting.",
    ),
    "Democratic Services Officer": (
        ["Democratic services", "Committee management", "Elections", "Member support"],
        "I clerk planning and licensing committees and support councillors with casework systems.",
    ),
    "Economic Development Officer": (
        ["Economic development", "Town centres", "UK Shared Prosperity Fund", "Business support"],
        "I look after town centre regeneration projects and our UK Shared Prosperity Fund programme.",
    ),
    "Libraries and Culture Manager": (
        ["Libraries", "Culture", "Community hubs", "Digital inclusion"],
        "Libraries and culture manager. We have turned four branch libraries into community hubs with "
        "council advice desks and digital inclusion sessions.",
    ),
    "Service Designer": (
        ["Service design", "User research", "Accessibility", "Content design"],
        "Service designer working across housing and benefits. I care about plain English, accessible "
        "forms and testing with the people who use our services.",
    ),
    "Revenues and Benefits Manager": (
        ["Council tax", "Housing benefit", "Council tax support", "Debt recovery"],
        "I manage council tax collection and benefits. We redesigned our council tax support scheme "
        "around a simple income banding model.",
    ),
    "Family Hubs Programme Lead": (
        ["Family hubs", "Start for Life", "Early help", "Co-production"],
        "I lead our family hubs programme and the Start for Life offer, co-produced with parents and carers.",
    ),
    "Knowledge Hub site administrator": (
        ["Community management", "Knowledge management"],
        "I look after the Knowledge Hub: councils, accounts and keeping the place useful.",
    ),
}
INTERESTS = [
    "Net zero",
    "Artificial intelligence",
    "Cost of living",
    "Family hubs",
    "Local government reorganisation",
    "Digital inclusion",
    "Procurement Act 2023",
    "Temporary accommodation",
    "Data sharing",
    "Workforce wellbeing",
    "Devolution",
    "Adult social care reform",
]
# Who the demo logins follow, by index among the colleagues (sorted by address).
LOGIN_FOLLOWS = {"member@demo.khub.test": (0, 4, 11, 17, 25), "facilitator@demo.khub.test": (1, 9, 30)}


def _seed_profiles() -> None:
    """Bios, expertise and interests for every demo person, and follows among them. Safe to rerun:
    profiles are set to the same values and following someone twice changes nothing."""
    people = list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("email"))
    for number, person in enumerate(people):
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
        )
    logins = {account.email for account in DEMO_ACCOUNTS}
    colleagues = [person for person in people if person.email not in logins]
    by_email = {person.email: person for person in people}
    for email, picks in LOGIN_FOLLOWS.items():
        for index in picks:
            follow_create(follower=by_email[email], followed=colleagues[index % len(colleagues)])
    # Colleagues follow a few colleagues (never the logins, whose inboxes _seed_inbox arranges).
    for number, person in enumerate(colleagues):
        for step in (1, 7):
            follow_create(follower=person, followed=colleagues[(number + step) % len(colleagues)])


def _seed_communities() -> int:
    # A dozen communities with their members, made through the services: long enough for its own module.
    from khub.demo_communities import seed_communities

    return seed_communities()


def _seed_conversations() -> None:
    # Threads and replies in every demo community, two of them hundreds of posts long: its own module too.
    from khub.demo_conversations import seed_conversations

    seed_conversations()


def _seed_practice() -> None:
    # Practice stories with their endorsements, promotions and adoptions: its own module as well.
    from khub.demo_practice import seed_practice

    seed_practice()


def _seed_recent() -> None:
    # The hours before the seed, and digest preferences, so that tomorrow's daily digest has news: last.
    from khub.demo_recent import seed_recent

    seed_recent()


def _colleague_name(i: int) -> tuple[str, str]:
    """The i-th demo colleague's (first, last) name, all different for the PEOPLE_COUNT colleagues.

    Each round through FIRST_NAMES moves the last names on by one, so that a first name coming round
    again gets another last name (7 is prime to len(LAST_NAMES): one round gives each a different one).
    """
    rounds = i // len(FIRST_NAMES)
    return FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7 + rounds) % len(LAST_NAMES)]


@transaction.atomic
def seed(*, password: str) -> SeedReport:
    """Create or update the demo data. Safe to run again: everything is keyed on slug or address."""
    councils = _seed_councils()
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
    communities = _seed_communities()
    _seed_conversations()
    _seed_practice()
    _seed_recent()
    _skip_emails()
    return SeedReport(
        councils=len(councils),
        people=PEOPLE_COUNT + len(DEMO_ACCOUNTS),
        communities=communities,
        logins=tuple(DEMO_ACCOUNTS),
    )


def _skip_emails() -> None:
    """The mentions and replies the demo tells its people about (demo_conversations' `notify` replies) are
    backdated news for their inboxes, not email: marked skipped in the seed's transaction, so neither the
    task queued on commit nor the sweep (or a worker, with Redis) sends them, to the terminal or anywhere."""
    Notification.objects.filter(
        recipient__email__endswith=f"@{DEMO_DOMAIN}", email_state__in=[EmailState.PENDING, EmailState.FAILED]
    ).update(email_state=EmailState.SKIPPED)
