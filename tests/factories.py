import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from profiles.models import Council, CouncilDomain, User


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    kind = Council.Kind.UNITARY
    region = Council.Region.SOUTH_WEST
    website = factory.LazyAttribute(lambda o: f"https://www.{o.slug}.test")


class CouncilDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilDomain

    council = factory.SubFactory(CouncilFactory)
    domain = factory.Sequence(lambda n: f"council{n}.gov.uk")


class UserFactory(factory.django.DjangoModelFactory):
    """A member who can sign in: a verified primary address, password 'correct-horse-battery'."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("name", locale="en_GB")
    job_title = "Service Manager"
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class VerifiedMemberFactory(UserFactory):
    """A member with a verified council affiliation: may create communities."""

    council = factory.SubFactory(CouncilFactory)
    council_linked_via = User.CouncilLink.ADMIN


class CommunityFactory(factory.django.DjangoModelFactory):
    """A community made through community_create (communities.services.communities), so its owner
    membership, member count and moderation log are as the site makes them. `owner` (default: a new
    verified member) becomes its owner; `topics` is a list of names."""

    class Meta:
        model = "communities.Community"

    name = factory.Sequence(lambda n: f"Community of practice {n}")
    description = factory.LazyAttribute(lambda o: f"Officers working on {o.name.lower()}.")
    about = ""
    visibility = "open"
    topics = factory.LazyFunction(list)
    owner = factory.SubFactory(VerifiedMemberFactory)

    @classmethod
    def _create(cls, model_class, *, owner, **kwargs):
        from communities.services.communities import community_create

        return community_create(creator=owner, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership row in any state and role, written directly (use the services to test transitions).
    The community's member count is refreshed afterwards, as the services would."""

    class Meta:
        model = "communities.Membership"
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"
    state = "active"
    joined_at = factory.LazyAttribute(lambda o: o.created_at if o.state == "active" else None)
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def refresh_member_count(membership, create, extracted, **kwargs):
        if create:
            from communities.services.membership import community_refresh_member_count

            community_refresh_member_count(community=membership.community)


def with_tags(user, *, expertise=(), interests=()):
    """The member's expertise and interest tags, set through the profile service (which keeps the rest)."""
    from profiles.services import profile_update

    return profile_update(
        user=user,
        display_name=user.display_name,
        job_title=user.job_title,
        bio=user.bio,
        show_email=user.show_email,
        expertise=list(expertise),
        interests=list(interests),
    )
