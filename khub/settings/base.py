"""Settings shared by every environment. Values come from the environment (django-environ).

The README lists every variable. local.py, production.py and test.py adjust these defaults.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

from .parsing import email_settings, file_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env beside manage.py configures `make run` and production; the test suite ignores it so that a
# copied .env.example (for docker compose) cannot point the tests at another database.
if not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".test"):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails sent outside a request (digests, Celery tasks).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Knowledge Hub"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # TemplatesSetting renderer: Django's own widget templates
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_htmx",
    "taggit",
    "profiles",
    "communities",
    "practice",
    "events",
    "library",
    "ask",
    "khub",
]

MIDDLEWARE = [
    # Answers /healthz itself, before anything that could read a session or user from the database.
    "khub.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private on every response to a signed-in member.
    "khub.middleware.PrivateForMembersMiddleware",
    # Sign-in required everywhere; public views opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "khub.urls"
WSGI_APPLICATION = "khub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khub.context_processors.site",
                "profiles.context_processors.inbox",  # unread notifications in the header, counted lazily
            ],
        },
    },
]
# Every Django form renders with GOV.UK Frontend markup (labels, hints, error messages, error summary).
FORM_RENDERER = "khub.forms.GovukFormRenderer"

# --- Database -------------------------------------------------------------------------------------
# No DATABASE_URL: an embedded SQLite file under var/. Production and CI use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'khub.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the dev server read while a Celery task (eager) writes; IMMEDIATE avoids lock upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Short queries (benchmarks/search.py): compiling them (JIT) and starting parallel workers costs more
    # (up to 180 ms and 25 ms) than it saves; search matches names with pg_trgm's `%>` at
    # core.providers.search.NAME_SIMILARITY. random_page_cost as for data held in memory or on SSD (the
    # default of 4 is for spinning disks): with it the planner reads a mid-frequency word's matches from
    # the GIN index instead of walking 200,000 newest posts to find 1,000 of them.
    # Added to any `options` DATABASE_URL carries.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c jit=off -c max_parallel_workers_per_gather=0"
        " -c pg_trgm.word_similarity_threshold=0.4 -c random_page_cost=1.1"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery (Redis when REDIS_URL is set) --------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Shared by every web and worker process: allauth's rate-limit counters must be shared to mean anything.
    CACHES = {
        "default": {
            # Django's RedisCache, answering from process memory while Redis is down (khub/cache.py).
            "BACKEND": "khub.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "khub",
            # Fail fast: a Redis outage must not hang a request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Room for a calendar feed's events (events.calendar) beside the rest: the default 300 would cull them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# With a host named, kombu does not warn "No hostname was supplied" whenever a task is queued in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# No broker configured: run tasks in-process so the embedded setup needs no worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Tasks are acknowledged after they run, so a killed worker's task is redelivered, not lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Short connect and socket timeouts, and at most one quick retry when publishing:
# with Redis down, .delay() raises within a few seconds instead of hanging the web request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# A digest covers activity up to this many seconds before it is built: a post saved just before 07:00
# may commit just after, and must fall in the next digest rather than between the two.
DIGEST_SETTLE_SECONDS = 120
# How long the header's unread count is kept between pages (profiles.selectors): a new notice or marking
# one read forgets it; a change in what the member may read shows within this time (at once on the inbox).
INBOX_UNREAD_KEPT_SECONDS = 60
# How long the people directory's expertise filter keeps its list of tags (profiles.selectors): a tag first
# held, or no longer held by anyone, shows or goes within this time.
EXPERTISE_CHOICES_KEPT_SECONDS = 300
# How long the home page keeps a member's communities to join (communities.selectors.home): one they join
# goes at once; a change in their interests, or a newly active community, shows within this time.
SUGGESTIONS_KEPT_SECONDS = 300
# How long a calendar feed keeps each event written as iCalendar (events.calendar.feed_calendar): keyed by
# the event's version, so a change shows at the next fetch; the day only bounds what the cache holds.
CALENDAR_EVENT_KEPT_SECONDS = 24 * 60 * 60
# How long a library's tag filter keeps its list (library.selectors.library_tags): forgotten when one of its
# documents is added, retagged or removed.
LIBRARY_TAGS_KEPT_SECONDS = 300
# How long a story's or a conversation's "People who can help" and "Related practice" are kept for one viewer
# (ask.providers.panels): someone newly expert, a new story or a change in what the viewer may read shows
# within this time.
ASK_PANEL_KEPT_SECONDS = 10 * 60
# Ask the hub (the ask app): how many questions one person may be asked in seven days, how long a question
# waits without a reply before it is offered to the next people in the ranking, and how many are asked.
ASK_WEEKLY_CAP = 3
ASK_FOLLOW_UP_DAYS = 3
ASK_PEOPLE_MOST = 10
CELERY_BEAT_SCHEDULE = {
    # Library uploads whose text no task read (broker down, a worker killed): library.services.extraction.
    "library-extract-text": {
        "task": "library.extract_text",
        "schedule": 5 * 60,
    },
    "clear-expired-sessions": {
        "task": "khub.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
    # Notices for posts saved while Redis or the workers were down (each post is told about once).
    "notify-unsent-posts": {
        "task": "communities.notify_unsent_posts",
        "schedule": 5 * 60,
    },
    # Emails for mentions and replies that were not sent at once (broker down, a failed send's retry).
    "send-notification-emails": {
        "task": "profiles.send_notification_emails",
        "schedule": 5 * 60,
    },
    # Digests at 07:00 UK time (CELERY_TIMEZONE): daily every day, weekly on Mondays.
    "send-daily-digests": {
        "task": "khub.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "args": ("daily",),
    },
    "send-weekly-digests": {
        "task": "khub.send_digests",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "args": ("weekly",),
    },
    "digests-sweep": {
        "task": "khub.digests_sweep",
        "schedule": 5 * 60,
    },
    # Event reminders 24 hours ahead, and event emails whose task never ran (events.services.emails).
    "event-emails-sweep": {
        "task": "events.event_emails_sweep",
        "schedule": 5 * 60,
    },
    # Questions to the hub without a reply after ASK_FOLLOW_UP_DAYS: offered to the next people, once.
    "ask-follow-up": {
        "task": "ask.follow_up",
        "schedule": 15 * 60,
    },
}

# --- Email ----------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587/?tls=True, consolemail://, filemail:///absolute/path (parsing.py).
vars().update(email_settings(env("EMAIL_URL", default="consolemail://")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Knowledge Hub <no-reply@khub.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) --------------------------------------------------------------------
AUTH_USER_MODEL = "profiles.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, each reading the member's standing with their user row (khub/auth.py).
    "khub.auth.ModelBackend",
    "khub.auth.AuthenticationBackend",
    # Not also the plain ones they extend: a failed sign-in would be checked (and hashed) twice. A session
    # signed in before khub.auth names a backend no longer listed, so that member signs in once more.
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 9}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "profiles.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "profiles.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Sign-up, sign-in and password reset never reveal whether an address has an account.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Knowledge Hub] "
ACCOUNT_SESSION_REMEMBER = None
# allauth's defaults, written out so they can be reviewed; counters live in the default cache.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# static/dist holds the compiled GOV.UK Frontend CSS/JS and htmx (npm run build; not committed).
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    # Uploaded files (library documents, avatars): MEDIA_ROOT, or an S3 bucket when AWS_STORAGE_BUCKET_NAME
    # is set (parsing.file_storage; README: File storage).
    "default": file_storage(os.environ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Community libraries (the library app): the largest file a member may upload, and each community's
# default quota (a site admin changes one community's in the admin: Library storage).
LIBRARY_MAX_UPLOAD_BYTES = env.int("LIBRARY_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
LIBRARY_QUOTA_BYTES = env.int("LIBRARY_QUOTA_BYTES", default=2 * 1024**3)

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A strict policy: no inline script or style; the few inline scripts we need carry the request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Django logs a 403 (PermissionDenied) or 400 (BadRequest) with the exception's traceback: one line
    # each instead, so probing does not bury real errors. 5xx keep their tracebacks (khub/log.py).
    "filters": {"refusals_in_one_line": {"()": "khub.log.RefusalsInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["refusals_in_one_line"]},
        # Without REDIS_URL tasks run in-process: one "Task ... succeeded" line per post would drown the
        # server's output. Failures are still logged (ERROR).
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Password of the demo logins created by `manage.py seed_demo`.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="khub-demo")
