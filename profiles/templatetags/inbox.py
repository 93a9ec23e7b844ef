"""Template helpers for the inbox pages (templates/profiles/inbox/)."""

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_href(context, notification) -> str:
    """The notification's link if it stays on this site, else "" (the line is then shown without a link).

    Our services write the URLs, but a link in someone's inbox must never lead off the hub: only a path
    ("/people/priya/") or an absolute URL on this host or SITE_URL's host is rendered.
    """
    url = notification.url
    request = context.get("request")
    if not url or request is None or not (url.startswith("/") or "://" in url):
        return ""
    hosts = {request.get_host(), urlsplit(settings.SITE_URL).netloc}
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=request.is_secure()):
        return ""
    return url
