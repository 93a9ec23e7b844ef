import pytest
from django.contrib import admin
from django.urls import reverse

from profiles.models import User
from tests.factories import CouncilDomainFactory, CouncilFactory, UserFactory
from tests.profiles.people_helpers import admin_user_change

pytestmark = pytest.mark.django_db

# The moderation log (read only) and the hub settings (a single row) have no add page by design:
# tests/communities/test_admin.py covers them.
# Written only through the site's services (the log, the singleton settings, the reply tree).
NO_ADD_PAGE = {
    ("communities", "moderationlogentry"),
    ("communities", "hubsettings"),
    ("communities", "thread"),
    ("communities", "post"),
    ("communities", "postreport"),
    # Stories are written by their authors, endorsements and adoptions through the recognition services:
    # the practice admin is read only (tests/practice/test_admin.py).
    ("practice", "practicestory"),
    ("practice", "endorsement"),
    ("practice", "adoption"),
    # Events and their replies are written through the events services (counts, the waiting list, the
    # calendars' SEQUENCE): the events admin is read only (tests/events/test_admin.py).
    ("events", "event"),
    ("events", "rsvp"),
    # Documents and guides are written through the library services (file checks, the quota, versions and
    # revisions, the moderation log): read only; each library's storage is made by its first upload and only
    # its quota is set in the admin (tests/library/test_admin.py).
    ("library", "document"),
    ("library", "guide"),
    ("library", "libraryspace"),
    # Digest deliveries are the record that nobody gets a second copy: read only (tests/khub/test_digest*).
    ("khub", "digestdelivery"),
    # Questions to the hub and who was asked are written through the ask services (the ranking's reasons,
    # the weekly cap, the notices): read only.
    ("ask", "question"),
    ("ask", "questionask"),
}
REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if (model._meta.app_label, model._meta.model_name) not in NO_ADD_PAGE
)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_site_admin_can_open_every_changelist_and_add_page(client, site_admin, app_label, model_name):
    client.force_login(site_admin)
    for page in ("changelist", "add"):
        response = client.get(reverse(f"admin:{app_label}_{model_name}_{page}"))
        assert response.status_code == 200, (page, response.status_code)


def test_members_cannot_open_the_admin(client, member):
    client.force_login(member)
    response = client.get(reverse("admin:profiles_council_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_anonymous_visitors_are_sent_to_sign_in_for_the_admin(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def _councils_with_members(count: int) -> None:
    for i in range(count):
        council = CouncilFactory(name=f"Borough {i}")
        CouncilDomainFactory(council=council, domain=f"borough{i}.gov.uk")
        UserFactory.create_batch(2, council=council)


@pytest.mark.parametrize("councils", [2, 25])
def test_council_changelist_shows_member_counts_in_bounded_queries(
    client, site_admin, django_assert_max_num_queries, councils
):
    _councils_with_members(councils)
    client.force_login(site_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:profiles_council_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == councils
    first = response.context["cl"].result_list[0]
    assert first.member_count == 2


def test_council_changelist_filters_by_kind_and_region_and_searches_domains(client, site_admin):
    CouncilFactory(name="Kent County Council", kind="county", region="south_east")
    leeds = CouncilFactory(name="Leeds City Council", kind="metropolitan", region="yorkshire")
    CouncilDomainFactory(council=leeds, domain="leeds.gov.uk")
    client.force_login(site_admin)
    url = reverse("admin:profiles_council_changelist")
    assert [c.name for c in client.get(url, {"kind": "county"}).context["cl"].result_list] == [
        "Kent County Council"
    ]
    assert [c.name for c in client.get(url, {"region": "yorkshire"}).context["cl"].result_list] == [
        "Leeds City Council"
    ]
    assert [c.name for c in client.get(url, {"q": "leeds.gov"}).context["cl"].result_list] == [
        "Leeds City Council"
    ]


@pytest.mark.parametrize("users", [3, 30])
def test_user_changelist_filters_by_council_in_bounded_queries(
    client, site_admin, django_assert_max_num_queries, users
):
    council = CouncilFactory()
    UserFactory.create_batch(users, council=council)
    client.force_login(site_admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:profiles_user_changelist"), {"council__id__exact": council.pk})
    assert response.context["cl"].result_count == users


def test_a_site_admin_setting_a_council_records_an_asserted_link(client, site_admin):
    council = CouncilFactory()
    person = UserFactory()
    client.force_login(site_admin)
    response = admin_user_change(client, person, council=council.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.council, person.council_linked_via) == (council, User.CouncilLink.ADMIN)
