import factory
from allauth.account.models import EmailAddress

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
