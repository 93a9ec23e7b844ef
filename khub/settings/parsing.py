"""Values the settings modules derive from environment variables, as functions the tests can call.

Not a settings module: base.py and local.py import from it.
"""

from urllib.parse import parse_qsl, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

# EMAIL_URL's query options and the setting each turns on. django-environ reads only email_use_tls and
# email_use_ssl (and keeps them as strings, so "False" is true); anything else, `tls` included, it puts in
# an OPTIONS setting that no Django mail backend reads.
EMAIL_URL_OPTIONS = {
    "tls": "EMAIL_USE_TLS",
    "email_use_tls": "EMAIL_USE_TLS",
    "ssl": "EMAIL_USE_SSL",
    "email_use_ssl": "EMAIL_USE_SSL",
}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
# runserver's "every interface" addresses, and where a browser on the same machine finds them.
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}  # noqa: S104  (read, not bound to)


def email_settings(url: str) -> dict[str, object]:
    """Django's EMAIL_* settings for an EMAIL_URL (django-environ's syntax), without two of its surprises:

    - `filemail:///var/mail/khub` writes to the absolute /var/mail/khub (django-environ drops the path's
      first slash, writing under the working directory); `filemail://var/mail` is relative, var/mail;
    - `smtp://…/?tls=True` turns STARTTLS on (django-environ ignores `tls`). An unknown option is an error
      rather than a setting nobody reads.
    """
    parts = urlsplit(url)
    config = environ.Env.email_url_config(parts._replace(query="").geturl())
    if parts.scheme == "filemail":
        config["EMAIL_FILE_PATH"] = unquote(parts.netloc + parts.path)
        config["EMAIL_HOST"] = None
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        setting = EMAIL_URL_OPTIONS.get(name.lower())
        if setting is None:
            raise ImproperlyConfigured(
                f"EMAIL_URL: unknown option {name!r}; the options are tls=True (STARTTLS) and ssl=True"
            )
        if value.lower() not in TRUE | FALSE:
            raise ImproperlyConfigured(f"EMAIL_URL: {name}={value!r} is neither True nor False")
        config[setting] = value.lower() in TRUE
    return config


def local_site_url(*, host: str, port: str) -> str:
    """Where `make run` serves (runserver HOST:PORT), as a browser on this machine opens it."""
    return f"http://{WILDCARD_HOSTS.get(host, host)}:{port}"
