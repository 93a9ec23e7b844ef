"""What an operator writes in the environment means what README.md and .env.example say it means.

The settings are read in a subprocess, as `make run` and production read them. A .env beside manage.py is
still read there (the local settings load it): one that sets SITE_URL or EMAIL_URL changes what they see.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from khub.settings.parsing import email_settings, local_site_url

ROOT = Path(__file__).resolve().parents[2]
# Inherited values of these would decide what the subprocesses see instead of the test.
OPERATOR_VARIABLES = {"SITE_URL", "HOST", "PORT", "EMAIL_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}


def _environment(**values: str) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name not in OPERATOR_VARIABLES}
    return {**inherited, **values}


def settings_seen(module: str, names: list[str], **environment: str) -> dict:
    """The named settings as `module` computes them with this environment."""
    script = (
        "import json, sys\nfrom django.conf import settings\n"
        "print(json.dumps({name: getattr(settings, name, None) for name in sys.argv[1:]}))"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        env=_environment(DJANGO_SETTINGS_MODULE=module, **environment),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


# --- EMAIL_URL -------------------------------------------------------------------------------------------


def test_filemail_with_three_slashes_writes_to_the_absolute_path():
    assert email_settings("filemail:///var/mail/khub")["EMAIL_FILE_PATH"] == "/var/mail/khub"
    assert email_settings("filemail:///var/mail/khub")["EMAIL_BACKEND"].endswith("filebased.EmailBackend")


def test_filemail_with_two_slashes_is_relative_to_the_working_directory():
    assert email_settings("filemail://var/mail")["EMAIL_FILE_PATH"] == "var/mail"


@pytest.mark.parametrize("module", ["khub.settings.local", "khub.settings.production"])
def test_the_settings_read_email_url_the_documented_way(module):
    seen = settings_seen(
        module,
        ["EMAIL_BACKEND", "EMAIL_FILE_PATH"],
        EMAIL_URL="filemail:///var/mail/khub",
        SECRET_KEY="a-key-for-this-test-only",  # production requires them
        ALLOWED_HOSTS="hub.example.gov.uk",
    )
    assert seen == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/khub",
    }


def test_the_smtp_url_of_env_example_turns_starttls_on():
    (url,) = re.findall(r"^EMAIL_URL=(.*)$", (ROOT / ".env.example").read_text(), re.MULTILINE)
    config = email_settings(url)
    assert config["EMAIL_USE_TLS"] is True
    assert config["EMAIL_HOST"] == "smtp.example.gov.uk"
    assert config["EMAIL_PORT"] == 587
    assert "OPTIONS" not in config


@pytest.mark.parametrize(
    ("url", "setting", "value"),
    [
        ("smtp://user:secret@smtp.example.gov.uk:465/?ssl=True", "EMAIL_USE_SSL", True),
        ("smtp://smtp.example.gov.uk:587/?tls=false", "EMAIL_USE_TLS", False),
        ("smtp://smtp.example.gov.uk:587/?email_use_tls=False", "EMAIL_USE_TLS", False),
        ("smtp+tls://smtp.example.gov.uk:587", "EMAIL_USE_TLS", True),
    ],
)
def test_tls_and_ssl_options_are_booleans(url, setting, value):
    assert email_settings(url)[setting] is value


@pytest.mark.parametrize(
    "url", ["smtp://smtp.example.gov.uk/?starttls=True", "smtp://smtp.example.gov.uk/?tls=sure"]
)
def test_an_email_url_option_nobody_reads_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_settings(url)


# --- SITE_URL under `make run` ---------------------------------------------------------------------------


def test_site_url_follows_the_port_make_run_serves_on():
    assert settings_seen("khub.settings.local", ["SITE_URL"], PORT="8103") == {
        "SITE_URL": "http://127.0.0.1:8103"
    }


def test_site_url_follows_host_and_port_and_an_every_interface_host_opens_locally():
    seen = settings_seen("khub.settings.local", ["SITE_URL"], HOST="localhost", PORT="8200")
    assert seen == {"SITE_URL": "http://localhost:8200"}
    assert local_site_url(host="0.0.0.0", port="8000") == "http://127.0.0.1:8000"  # noqa: S104
    assert local_site_url(host="[::]", port="8000") == "http://[::1]:8000"


def test_site_url_when_set_wins_over_host_and_port():
    seen = settings_seen("khub.settings.local", ["SITE_URL"], PORT="8103", SITE_URL="https://hub.test/")
    assert seen == {"SITE_URL": "https://hub.test"}


def test_the_test_and_production_settings_do_not_read_host_or_port():
    """A platform's PORT says where gunicorn listens, not the public address links must use."""
    seen = settings_seen(
        "khub.settings.production",
        ["SITE_URL"],
        PORT="5000",
        SECRET_KEY="a-key-for-this-test-only",
        ALLOWED_HOSTS="hub.example.gov.uk",
    )
    assert seen == {"SITE_URL": "http://127.0.0.1:8000"}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [([], "127.0.0.1 8000"), (["PORT=8103"], "127.0.0.1 8103"), (["HOST=0.0.0.0"], "0.0.0.0 8000")],
)
def test_make_runs_commands_see_its_host_and_port(arguments, expected):
    """The recipes of `make run` (seed_demo, runserver) get HOST and PORT in their environment, defaults
    included, so the settings' SITE_URL and runserver's address cannot disagree."""
    probe = 'probe-environment:\n\t@echo "$$HOST $$PORT"\n'
    result = subprocess.run(  # noqa: S603  (make, this Makefile and a fixed probe)
        ["make", "--no-print-directory", "-f", "Makefile", "-f", "-", "probe-environment", *arguments],  # noqa: S607
        cwd=ROOT,
        env=_environment(),
        input=probe,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected


# --- Celery without Redis ------------------------------------------------------------------------------


def test_a_task_run_in_process_logs_no_broker_warning():
    """Without REDIS_URL tasks run in-process; kombu still builds a connection to the in-memory broker and
    warned "No hostname was supplied" each time, in the middle of `make run`'s output."""
    script = (
        "import django\ndjango.setup()\nfrom khub.celery import app\n"
        "@app.task(name='probe')\ndef probe():\n    return 'ran'\n"
        "print(probe.delay().get())"
    )
    environment = _environment(DJANGO_SETTINGS_MODULE="khub.settings.local")
    environment.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "ran"
    assert "No hostname" not in result.stderr
