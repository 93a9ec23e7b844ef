"""Values the settings modules derive from environment variables, as functions the tests can call.

Not a settings module: base.py and local.py import from it.
"""

from collections.abc import Mapping
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


# The environment variables that put uploaded files in an S3-compatible object store (README: File storage),
# and the S3Storage option (django-storages) each sets.
S3_VARIABLES = {
    "AWS_STORAGE_BUCKET_NAME": "bucket_name",
    "AWS_S3_ENDPOINT_URL": "endpoint_url",  # MinIO, Ceph, another provider's S3 API; empty for AWS itself
    "AWS_S3_REGION_NAME": "region_name",
    "AWS_ACCESS_KEY_ID": "access_key",  # empty: boto3 finds credentials itself (an instance or task role)
    "AWS_SECRET_ACCESS_KEY": "secret_key",
    "AWS_LOCATION": "location",  # a prefix for every key, when the bucket is shared
}


def file_storage(environ: Mapping[str, str]) -> dict[str, object]:
    """STORAGES["default"] for these environment variables: the local file system (MEDIA_ROOT) unless
    AWS_STORAGE_BUCKET_NAME names a bucket, then S3 through django-storages.

    Objects are written private (AWS_DEFAULT_ACL, "private" unless set; empty sends no ACL, for buckets
    whose ACLs are disabled), never overwritten (a second file of the same name gets a new key), and no
    public URL is ever needed: downloads stream through the hub's own view, which checks permission on
    every request. A URL asked of the storage is signed and lasts five minutes."""
    if not environ.get("AWS_STORAGE_BUCKET_NAME"):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, object] = {
        option: environ[variable] for variable, option in S3_VARIABLES.items() if environ.get(variable)
    }
    options |= {
        "default_acl": environ.get("AWS_DEFAULT_ACL", "private") or None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 300,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
