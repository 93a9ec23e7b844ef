"""Demo data for `manage.py seed_demo`: real English councils, invented people at reserved addresses.

Every address is under demo.khub.test (RFC 2606 reserves .test), so no demo email can reach a real
person; demo people are linked to their councils explicitly, as a site admin would.
Later features add their own content here, each as a function called from seed().
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from profiles.models import Council, CouncilDomain, User

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


DEMO_ACCOUNTS = [
    DemoAccount(
        "admin@demo.khub.test", "Alex Admin", "Knowledge Hub site administrator", None, is_staff=True
    ),
    DemoAccount(
        "facilitator@demo.khub.test", "Fran Facilitator", "Digital Transformation Lead", "leeds-city-council"
    ),
    DemoAccount(
        "member@demo.khub.test", "Morgan Member", "Housing Options Manager", "london-borough-of-camden"
    ),
    DemoAccount("outsider@demo.khub.test", "Owen Outsider", "Senior Planning Officer", "cornwall-council"),
]
PEOPLE_COUNT = 40


@dataclass
class SeedReport:
    councils: int = 0
    people: int = 0
    logins: tuple[str, ...] = ()


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
    is_staff: bool = False,
) -> User:
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
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


@transaction.atomic
def seed(*, password: str) -> SeedReport:
    """Create or update the demo data. Safe to run again: everything is keyed on slug or address."""
    councils = _seed_councils()
    council_list = list(councils.values())
    login_hash = make_password(password)
    for account in DEMO_ACCOUNTS:
        _upsert_person(
            email=account.email,
            display_name=account.display_name,
            job_title=account.job_title,
            council=councils.get(account.council_slug) if account.council_slug else None,
            password_hash=login_hash,
            is_staff=account.is_staff,
        )
    # Demo colleagues cannot sign in: they only populate the hub.
    no_login = make_password(None)
    for i in range(PEOPLE_COUNT):
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)]
        _upsert_person(
            email=f"{first}.{last}.{i + 1}@{DEMO_DOMAIN}".lower(),
            display_name=f"{first} {last}",
            job_title=JOB_TITLES[(i * 3) % len(JOB_TITLES)],
            council=council_list[i % len(council_list)],
            password_hash=no_login,
        )
    return SeedReport(
        councils=len(councils),
        people=PEOPLE_COUNT + len(DEMO_ACCOUNTS),
        logins=tuple(account.email for account in DEMO_ACCOUNTS),
    )
