"""Builders shared by the community tests: people in every relation to a community."""

from communities.models import Community, Membership
from tests.factories import AdminFactory, CommunityFactory, MembershipFactory, UserFactory

S = Membership.State
R = Membership.Role

# Every relation a signed-in person can have to a community, as (state, role); None: no row at all.
RELATIONS = {
    "outsider": None,
    "requester": (S.REQUESTED, R.MEMBER),
    "invited": (S.INVITED, R.MEMBER),
    "member": (S.ACTIVE, R.MEMBER),
    "facilitator": (S.ACTIVE, R.FACILITATOR),
    "owner": (S.ACTIVE, R.OWNER),
    "declined": (S.DECLINED, R.MEMBER),
    "left": (S.LEFT, R.MEMBER),
    "removed": (S.REMOVED, R.MEMBER),
    "banned": (S.BANNED, R.MEMBER),
}


def person_as(relation: str, community: Community, **user_fields):
    """A new person in this relation to the community ("site_admin": staff with no membership).

    Rows are written directly so that every combination exists, even those the services never make
    (a request to a private community, left over from when it was restricted)."""
    if relation == "site_admin":
        return AdminFactory(**user_fields)
    person = UserFactory(**user_fields)
    if RELATIONS[relation] is not None:
        state, role = RELATIONS[relation]
        MembershipFactory(community=community, user=person, state=state, role=role)
    return person


def community(visibility: str = "open", **fields) -> Community:
    return CommunityFactory(visibility=visibility, **fields)
