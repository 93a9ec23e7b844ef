"""Demo communities for `manage.py seed_demo` (called from khub.demo.seed): a dozen communities of practice
across the three visibilities, with owners, facilitators, members, pending requests and invitations, all made
through communities.services so that counts, notifications and the moderation log are as the site makes them.

The demo logins are placed so that each role can be tried at once:
  * facilitator@ owns an open community (Digital Transformation) and a private one (Heads of Digital);
  * member@ belongs to Digital Transformation and four others, waits on a request to Procurement and is in
    no private community;
  * outsider@ belongs to no community at all.
Once only per community: one whose slug exists already is left as it is.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from communities import services
from communities.models import Community, Membership
from khub.demo import DEMO_ACCOUNTS, DEMO_DOMAIN
from profiles.models import User

Key = str | int  # a demo login ("facilitator", "member", "admin") or the index of a demo colleague


@dataclass(frozen=True)
class DemoCommunity:
    name: str
    visibility: str
    description: str
    about: str
    topics: list[str]
    owner: Key
    facilitators: list[Key] = field(default_factory=list)
    members: list[Key] = field(default_factory=list)
    requests: list[tuple[Key, str]] = field(default_factory=list)  # restricted: waiting for a facilitator
    invitations: list[Key] = field(default_factory=list)  # private: invited, not yet answered
    days_since_activity: int = 1
    age_days: int = 90


COMMUNITIES = [
    DemoCommunity(
        "Digital Transformation",
        "open",
        "Officers redesigning council services around the people who use them.",
        "A place to swap notes on **service design, user research and replacing legacy systems**.\n\n"
        "Good things to post:\n\n- a discovery you ran and what it found\n- a contract you got out of\n"
        '- questions before you buy anything with "platform" in its name\n\n'
        "We follow the [Local Digital Declaration](https://www.localdigital.gov.uk/declaration/).",
        ["Digital", "Service design", "User research"],
        owner="facilitator",
        facilitators=[1],
        members=["member", 0, 2, 4, 6, 8, 10, 12, 14, 16],
        days_since_activity=0,
        age_days=200,
    ),
    DemoCommunity(
        "Heads of Digital",
        "private",
        "A closed group for heads of digital and IT to talk candidly about budgets, suppliers and risk.",
        "Chatham House rule: what is said here stays here.\n\n"
        "Membership is by invitation from a facilitator. If you lead digital or IT for a council and a "
        "colleague here knows you, ask them to invite you.",
        ["Digital", "Leadership", "Cyber security"],
        owner="facilitator",
        members=[1, 13, 25],
        invitations=[37],
        days_since_activity=2,
        age_days=150,
    ),
    DemoCommunity(
        "Adult Social Care",
        "open",
        "Commissioners and practitioners in adult social care sharing what works.",
        "We talk about **home care commissioning, market shaping, hospital discharge** and the social care "
        "workforce.\n\nPlease do not post anything that could identify a person who uses services.",
        ["Adult social care", "Commissioning", "Hospital discharge"],
        owner=0,
        facilitators=[20],
        members=["member", 3, 5, 7, 9, 11, 21, 23, 27, 29, 31, 33],
        days_since_activity=1,
        age_days=320,
    ),
    DemoCommunity(
        "Housing and Homelessness",
        "restricted",
        "Housing options, allocations and temporary accommodation teams working on prevention.",
        "For officers working under the *Homelessness Reduction Act*: prevention and relief duties, "
        "temporary accommodation, allocations policy.\n\nA facilitator approves requests to join so that "
        "members can discuss casework patterns openly. Tell us your role when you ask.",
        ["Housing", "Homelessness prevention", "Temporary accommodation"],
        owner=2,
        facilitators=[22],
        members=["member", 6, 12, 18, 26, 32],
        requests=[(14, "I manage our temporary accommodation portfolio."), (28, "")],
        days_since_activity=3,
        age_days=260,
    ),
    DemoCommunity(
        "Climate Emergency",
        "open",
        "Net zero programme managers comparing carbon plans, funding bids and retrofit schemes.",
        "Share your **climate action plan**, your carbon accounting method and how you got members to "
        "agree to it.\n\nMonthly themes: retrofit, fleet, planning policy, adaptation.",
        ["Net zero", "Climate adaptation", "Retrofit"],
        owner=12,
        members=["member", "facilitator", 4, 15, 24, 35],
        days_since_activity=5,
        age_days=400,
    ),
    DemoCommunity(
        "Procurement",
        "restricted",
        "Procurement leads getting ready for the Procurement Act 2023 together.",
        "Templates, notices, social value frameworks and lessons from the first tenders under the new "
        "regime.\n\nMembers only, so that people can share draft documents.",
        ["Procurement", "Procurement Act 2023", "Social value"],
        owner=7,
        facilitators=[17],
        members=[27, 37, 39],
        requests=[
            ("member", "I buy temporary accommodation and want to get the new notices right."),
            (8, ""),
        ],
        days_since_activity=4,
        age_days=120,
    ),
    DemoCommunity(
        "Children's Services",
        "restricted",
        "Early help, family hubs and children's social care practice leads.",
        "Practice, not policy: how family hubs are really working, Supporting Families outcomes and "
        "keeping caseloads safe.\n\nRequests are approved by a facilitator.",
        ["Children's services", "Early help", "Family hubs"],
        owner=9,
        facilitators=[19],
        members=[29, 39, 3],
        requests=[(23, "Family hubs programme lead, new in post.")],
        days_since_activity=6,
        age_days=180,
    ),
    DemoCommunity(
        "Planning and Development",
        "open",
        "Development management and local plan officers.",
        "Biodiversity net gain conditions, section 106, local plan examinations and enforcement.",
        ["Planning", "Biodiversity net gain", "Local plans"],
        owner=3,
        members=[13, 23, 33, "member"],
        days_since_activity=9,
        age_days=240,
    ),
    DemoCommunity(
        "Waste and Recycling",
        "open",
        "Collection managers preparing for Simpler Recycling and weekly food waste.",
        "Round planning, fleet telematics, food waste roll-outs and communications that change behaviour.",
        ["Waste", "Recycling", "Food waste"],
        owner=4,
        members=[14, 24, 34],
        days_since_activity=12,
        age_days=90,
    ),
    DemoCommunity(
        "Public Health Intelligence",
        "restricted",
        "Analysts and consultants working on joint strategic needs assessments.",
        "Methods, data sharing agreements with the ICB and dashboards that directors read.",
        ["Public health", "Data analysis", "Health inequalities"],
        owner=5,
        members=[10, 15, 30],
        requests=[(20, "")],
        days_since_activity=15,
        age_days=60,
    ),
    DemoCommunity(
        "Revenues and Benefits",
        "restricted",
        "Council tax, business rates and housing benefit managers.",
        "Collection rates, council tax support schemes and moving claimants to Universal Credit.",
        ["Revenues", "Benefits", "Council tax"],
        owner=18,
        members=[38, 8],
        days_since_activity=30,
        age_days=45,
    ),
    DemoCommunity(
        "Chief Executives' Network",
        "private",
        "A confidential network for chief executives and their deputies.",
        "Invitation only. Nothing said here is attributed outside the network.",
        ["Leadership", "Governance"],
        owner=10,
        facilitators=[30],
        members=[0, 20],
        days_since_activity=8,
        age_days=500,
    ),
]
LOGINS = {account.email.split("@")[0]: account.email for account in DEMO_ACCOUNTS}


def _people() -> tuple[dict[str, User], list[User]]:
    logins = {key: User.objects.get(email=email) for key, email in LOGINS.items()}
    colleagues = list(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
        .exclude(email__in=LOGINS.values())
        .order_by("pk")
    )
    return logins, colleagues


def _add_member(*, owner: User, community: Community, person: User) -> None:
    """The way in that fits the visibility: join, ask and be approved, or be invited and accept."""
    if community.is_open:
        services.membership_join(user=person, community=community)
    elif community.is_restricted:
        services.membership_join(user=person, community=community)
        services.membership_approve(actor=owner, community=community, user=person)
    else:
        services.membership_invite(actor=owner, community=community, user=person)
        services.invitation_accept(user=person, community=community)


def seed_communities() -> int:
    """Create the demo communities that do not exist yet; returns how many there are."""
    logins, colleagues = _people()

    def person(key: Key) -> User:
        return logins[key] if isinstance(key, str) else colleagues[key % len(colleagues)]

    now = timezone.now()
    for spec in COMMUNITIES:
        if Community.objects.filter(slug=slugify(spec.name)).exists():
            continue
        owner = person(spec.owner)
        community = services.community_create(
            creator=owner,
            name=spec.name,
            description=spec.description,
            about=spec.about,
            visibility=spec.visibility,
            topics=spec.topics,
        )
        for key in [*spec.facilitators, *spec.members]:
            member = person(key)
            if Membership.objects.filter(community=community, user=member).exists():
                continue
            _add_member(owner=owner, community=community, person=member)
        for key in spec.facilitators:
            services.membership_set_role(
                actor=owner, community=community, user=person(key), role="facilitator"
            )
        for key, message in spec.requests:
            services.membership_join(user=person(key), community=community, message=message)
        for key in spec.invitations:
            services.membership_invite(
                actor=owner, community=community, user=person(key), message="We would value your view here."
            )
        Community.objects.filter(pk=community.pk).update(
            created_at=now - timedelta(days=spec.age_days),
            last_activity_at=now - timedelta(days=spec.days_since_activity, hours=len(spec.members)),
        )
    return Community.objects.filter(slug__in=[slugify(spec.name) for spec in COMMUNITIES]).count()
