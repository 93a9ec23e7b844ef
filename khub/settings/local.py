"""Developer machine: `make run`. DEBUG on unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env
from .parsing import local_site_url

DEBUG = env.bool("DEBUG", default=True)
# `make run HOST=… PORT=…` serves there and exports both: the links seed_demo prints and emails carry
# follow, unless SITE_URL says otherwise.
SITE_URL = env(
    "SITE_URL",
    default=local_site_url(host=env("HOST", default="127.0.0.1"), port=env("PORT", default="8000")),
).rstrip("/")
