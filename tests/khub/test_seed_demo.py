import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import override_settings
from PIL import Image

from communities.models import Membership, Post, ThreadRead
from khub import demo
from library.models import Document, DocumentVersion, GuideRevision
from profiles.emails import notification_emails_send_due
from profiles.models import Council, CouncilDomain, EmailState, Follow, Notification, User

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123")
def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    counts = (Council.objects.count(), CouncilDomain.objects.count(), User.objects.count())

    def library_counts():
        return Document.objects.count(), DocumentVersion.objects.count(), GuideRevision.objects.count()

    library = library_counts()
    call_command("seed_demo")
    assert (Council.objects.count(), CouncilDomain.objects.count(), User.objects.count()) == counts
    assert library_counts() == library
    assert counts[0] >= 12
    assert counts[2] >= 40
    assert library[0] >= 12
    assert library[2] >= 8
    out = capsys.readouterr().out
    for account in demo.DEMO_ACCOUNTS:
        assert account.email in out
    assert "demo-pass-123" in out


@override_settings(DEBUG=True, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
def test_seeding_prints_no_email_and_leaves_none_to_send_later(capsys, django_capture_on_commit_callbacks):
    """`make run` prints what the console backend sends: the demo's mentions and replies are inbox news."""
    with django_capture_on_commit_callbacks(execute=True):  # the tasks queued on commit run, as they do
        call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Content-Type:" not in out
    assert "quoted-printable" not in out
    assert Notification.objects.filter(kind__in=["community.mention", "community.reply"]).exists()
    due = [EmailState.PENDING, EmailState.FAILED, EmailState.SENDING]
    assert not Notification.objects.filter(email_state__in=due).exists()
    assert notification_emails_send_due() == {"gave_up": 0}  # the sweep finds nothing either
    assert "Content-Type:" not in capsys.readouterr().out


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123", SITE_URL="http://127.0.0.1:8103")
def test_seed_demo_ends_with_where_to_open_and_what_each_login_can_try(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    lines = out.rstrip().splitlines()
    assert lines[-5] == "Open http://127.0.0.1:8103/ and sign in as one of these, password 'demo-pass-123':"
    assert [line.split()[0] for line in lines[-4:]] == [
        "admin@demo.khub.test",
        "facilitator@demo.khub.test",
        "member@demo.khub.test",
        "outsider@demo.khub.test",
    ]
    for line, account in zip(lines[-4:], demo.DEMO_ACCOUNTS, strict=True):
        assert account.tries
        assert line.endswith(f"  {account.tries}")
    assert max(len(line) for line in lines) <= 110  # one line each in a terminal
    assert ":8000" not in out


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123")
def test_the_four_demo_accounts_can_sign_in(client):
    call_command("seed_demo")
    for account in demo.DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"login": account.email, "password": "demo-pass-123"})
        assert response.status_code == 302, account.email
        assert response.url == "/"
        client.post("/accounts/logout/")
    admin = User.objects.get(email="admin@demo.khub.test")
    assert admin.is_staff
    assert admin.is_superuser


@override_settings(DEBUG=True)
def test_demo_people_use_reserved_addresses_and_are_linked_to_councils_explicitly():
    call_command("seed_demo")
    assert not User.objects.exclude(email__endswith=".test").exists()
    people = User.objects.exclude(email__in=[a.email for a in demo.DEMO_ACCOUNTS if a.council_slug is None])
    assert not people.filter(council__isnull=True).exists()
    assert set(people.values_list("council_linked_via", flat=True)) == {User.CouncilLink.ADMIN}
    assert User.objects.filter(job_title="").count() == 0


@override_settings(DEBUG=True)
def test_demo_people_all_have_different_names():
    call_command("seed_demo")
    names = list(
        User.objects.filter(email__endswith="@demo.khub.test").values_list("display_name", flat=True)
    )
    assert len(names) == demo.PEOPLE_COUNT + len(demo.DEMO_ACCOUNTS)
    assert len(set(names)) == len(names), sorted(name for name in names if names.count(name) > 1)


@override_settings(DEBUG=False)
def test_seed_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.exists()


@override_settings(DEBUG=True)
def test_demo_people_have_profiles_and_follow_each_other_and_a_rerun_adds_nothing():
    call_command("seed_demo")
    counts = (Follow.objects.count(), Notification.objects.count())
    call_command("seed_demo")
    assert (Follow.objects.count(), Notification.objects.count()) == counts
    member = User.objects.get(email="member@demo.khub.test")
    assert "housing" in member.bio_html.lower()
    assert member.expertise.count() >= 3
    assert member.interests.count() >= 3
    assert Follow.objects.filter(follower=member).count() >= 3
    assert Follow.objects.filter(followed=member).exists()
    assert not User.objects.filter(email__endswith="@demo.khub.test", bio_html="").exists()
    assert User.objects.filter(show_email=True).exists()


@override_settings(DEBUG=True)
def test_a_few_demo_colleagues_have_a_generated_photo_stored_as_an_upload_is_and_the_rest_initials():
    call_command("seed_demo")
    with_photo = {person.email: person.avatar.name for person in User.objects.exclude(avatar="")}
    assert 3 <= len(with_photo) <= 5
    assert not set(with_photo) & {account.email for account in demo.DEMO_ACCOUNTS}  # logins: initials
    for name in with_photo.values():
        assert name.startswith("avatars/")
        assert name.endswith(".webp")
        with default_storage.open(name, "rb") as stored, Image.open(stored) as image:
            assert image.format == "WEBP"
            assert image.size == (400, 400)
    call_command("seed_demo")  # a rerun keeps each stored photo rather than storing another
    assert {person.email: person.avatar.name for person in User.objects.exclude(avatar="")} == with_photo


@override_settings(DEBUG=True)
def test_seed_demo_makes_a_dozen_communities_across_the_three_visibilities_once():
    from communities.models import Community, Membership

    call_command("seed_demo")
    counts = (Community.objects.count(), Membership.objects.count(), Notification.objects.count())
    call_command("seed_demo")
    assert (Community.objects.count(), Membership.objects.count(), Notification.objects.count()) == counts
    assert counts[0] >= 12
    assert set(Community.objects.values_list("visibility", flat=True)) == {"open", "restricted", "private"}
    assert Membership.objects.filter(state="requested", community__visibility="restricted").exists()
    assert Membership.objects.filter(state="invited", community__visibility="private").exists()
    # Every community but the hub-wide space of questions (ask), which every verified member takes part in
    # without joining.
    for community in Community.objects.filter(everyone_takes_part=False):
        assert community.member_count == community.memberships.filter(state="active").count() > 1
        assert community.memberships.filter(state="active", role="owner").exists()
        assert community.about_html
        assert community.topics.exists()


@override_settings(DEBUG=True)
def test_the_demo_logins_hold_the_roles_the_readme_promises():
    from communities import permissions
    from communities.models import Community, Membership

    call_command("seed_demo")
    facilitator = User.objects.get(email="facilitator@demo.khub.test")
    member = User.objects.get(email="member@demo.khub.test")
    outsider = User.objects.get(email="outsider@demo.khub.test")

    facilitated = Community.objects.filter(
        memberships__user=facilitator,
        memberships__state="active",
        memberships__role__in=["facilitator", "owner"],
    )
    open_one = facilitated.filter(visibility="open").first()
    private_one = facilitated.filter(visibility="private").first()
    assert open_one is not None
    assert private_one is not None

    assert Membership.objects.filter(user=member, community=open_one, state="active").exists()
    assert Membership.objects.filter(user=member, state="active").count() >= 3
    assert not Membership.objects.filter(user=member, community=private_one).exists()
    assert not permissions.can_see(user=member, community=private_one)

    assert not Membership.objects.filter(user=outsider).exists()
    assert not permissions.visible_communities(outsider).filter(visibility="private").exists()


def test_the_demo_member_joined_when_the_content_began_and_has_unread_conversations_on_home(client):
    demo.seed(password="pw")
    member = User.objects.get(email="member@demo.khub.test")
    # Joined when each community started, not at the moment of the seed; read each thread when they last
    # wrote in it: so the home page has news for them.
    joined = Membership.objects.filter(user=member, state="active")
    assert joined.exists()
    assert not joined.exclude(joined_at=F("community__created_at")).exists()
    for read in ThreadRead.objects.filter(user=member):
        latest = Post.objects.filter(thread=read.thread_id, author=member).latest("created_at").created_at
        assert read.last_read_at == latest
    client.force_login(member)

    page = client.get("/")

    assert "unread conversations</span>" in page.text
    assert "New replies" in page.text
