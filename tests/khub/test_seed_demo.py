import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from khub import demo
from profiles.models import Council, CouncilDomain, User

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123")
def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    counts = (Council.objects.count(), CouncilDomain.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Council.objects.count(), CouncilDomain.objects.count(), User.objects.count()) == counts
    assert counts[0] >= 12
    assert counts[2] >= 40
    out = capsys.readouterr().out
    for account in demo.DEMO_ACCOUNTS:
        assert account.email in out
    assert "demo-pass-123" in out


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


@override_settings(DEBUG=False)
def test_seed_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.exists()
