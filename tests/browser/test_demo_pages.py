"""The demo as a newcomer sees it: every main page, signed in as each demo login and as a visitor who is not
signed in, at a desktop's width (1280 px) and a phone's (390 px). The Visitor scans each page (axe-core, WCAG
2.2 A and AA; the Content-Security-Policy; script errors) and a screenshot of each is kept in SCREENSHOTS,
one folder per viewer, which CI keeps as an artefact.

The pages are read from the seeded data rather than named by hand, so the demo's content can change.
"""

import os
from pathlib import Path

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from khub import demo
from profiles.models import User

SCREENSHOTS = Path(os.environ.get("KHUB_SCREENSHOTS") or settings.BASE_DIR / "artifacts" / "screenshots")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "demo-pages-password"
# The pages a visitor who is not signed in may open (the rest send them to sign in).
PUBLIC = {"home", "practice", "story"}


def _signed_in(visitor, live_server, user: User) -> None:
    """The visitor's browser holds a session for `user` (the sign-in form has journeys of its own)."""
    client = Client()
    client.force_login(user, backend="khub.auth.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    visitor.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_every_main_page_of_the_demo_as_each_login_at_desktop_and_phone_widths(new_visitor, live_server):
    report = demo.seed(password=PASSWORD)
    pages = demo.main_pages()
    viewers = [None, *(User.objects.get(email=account.email) for account in report.logins)]
    shot = 0
    for viewer in viewers:
        visitor = new_visitor()
        who = "visitor" if viewer is None else viewer.email.split("@")[0]
        if viewer is not None:
            _signed_in(visitor, live_server, viewer)
            visitor.open("/")
            expect(visitor.page.get_by_text(viewer.display_name).first).to_be_attached()
        folder = SCREENSHOTS / who
        folder.mkdir(parents=True, exist_ok=True)
        for width, viewport in WIDTHS.items():
            visitor.page.set_viewport_size(viewport)
            for name, path in pages.items():
                if viewer is None and name not in PUBLIC:
                    continue
                visitor.open(path)
                visitor.page.screenshot(path=folder / f"{name}-{width}.png")
                shot += 1
    assert shot == 2 * (len(PUBLIC) + len(report.logins) * len(pages))
