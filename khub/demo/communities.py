"""Demo communities (data/communities.yaml): a dozen communities of practice across the three visibilities,
with owners, facilitators, members, pending requests and invitations, all made through communities.services
so that counts, notifications and the moderation log are as the site makes them.

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

from communities.models import Community, Membership
from communities.services.communities import community_create
from communities.services.membership import (
    invitation_accept,
    membership_approve,
    membership_invite,
    membership_join,
    membership_set_role,
)
from khub.demo.files import read
from khub.demo.people import Cast, Key
from profiles.models import User


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


def _community(record: dict) -> DemoCommunity:
    Community.Visibility(record["visibility"])  # a misspelt visibility fails here, not halfway through a seed
    requests = [(request["by"], request["message"]) for request in record.get("requests", [])]
    return DemoCommunity(**{**record, "requests": requests})


COMMUNITIES = [_community(record) for record in read("communities")]


def add_member(*, owner: User, community: Community, person: User) -> None:
    """The way in that fits the visibility: join, ask and be approved, or be invited and accept."""
    if community.is_open:
        membership_join(user=person, community=community)
    elif community.is_restricted:
        membership_join(user=person, community=community)
        membership_approve(actor=owner, community=community, user=person)
    else:
        membership_invite(actor=owner, community=community, user=person)
        invitation_accept(user=person, community=community)


def seed_communities() -> int:
    """Create the demo communities that do not exist yet; returns how many there are."""
    person = Cast.load().person
    now = timezone.now()
    for spec in COMMUNITIES:
        if Community.objects.filter(slug=slugify(spec.name)).exists():
            continue
        owner = person(spec.owner)
        community = community_create(
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
            add_member(owner=owner, community=community, person=member)
        for key in spec.facilitators:
            membership_set_role(actor=owner, community=community, user=person(key), role="facilitator")
        for key, message in spec.requests:
            membership_join(user=person(key), community=community, message=message)
        for key in spec.invitations:
            membership_invite(
                actor=owner, community=community, user=person(key), message="We would value your view here."
            )
        Community.objects.filter(pk=community.pk).update(
            created_at=now - timedelta(days=spec.age_days),
            last_activity_at=now - timedelta(days=spec.days_since_activity, hours=len(spec.members)),
        )
    return Community.objects.filter(slug__in=[slugify(spec.name) for spec in COMMUNITIES]).count()
