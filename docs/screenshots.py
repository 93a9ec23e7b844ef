"""The README's screenshots, taken from the running demo (`make run` in another terminal first):

    .venv/bin/python docs/screenshots.py [--url http://127.0.0.1:8000] [--email member@demo.khub.test]

Signs in through the sign-in form as a demo login (password DEMO_PASSWORD, `khub-demo` unless set), then
photographs the home page, the busiest community's longest conversation and the most endorsed public story
at 1280 x 900 into docs/screenshots/{home,thread,story}.png. Debian's Chromium (/usr/bin/chromium) through
Playwright, as the browser tests use. The pages are found in the demo's database (khub.demo.main_pages), so
the script reads the same DATABASE_URL as the server (the embedded SQLite file unless set).
"""

import argparse
import os
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHOTS = ("home", "thread", "story")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the demo is served")
    parser.add_argument("--email", default="member@demo.khub.test", help="the demo login to sign in as")
    parser.add_argument("--out", type=Path, default=HERE / "screenshots", help="the folder to write to")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=5)  # noqa: S310 (a URL given on the command line)
    except OSError as error:
        sys.exit(f"No demo answering at {base} ({error}): start it with `make run` first.")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khub.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from playwright.sync_api import expect, sync_playwright

    from khub.demo import main_pages

    pages = main_pages()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email", exact=True).fill(args.email)
        page.get_by_label("Password", exact=True).fill(settings.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{base}/")
        expect(page.get_by_role("link", name="Sign in", exact=True)).to_have_count(0)
        for name in SHOTS:
            page.goto(base + pages[name])
            page.screenshot(path=args.out / f"{name}.png")
            print(f"{args.out / f'{name}.png'}: {pages[name]}")
        browser.close()


if __name__ == "__main__":
    main()
