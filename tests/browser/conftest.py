"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live_server.

Every page a journey lands on is checked, and the test fails with a readable list of what was found:
  * axe-core, restricted to WCAG 2.0/2.1/2.2 A and AA rules (rule id, impact, help, target selectors);
  * Content-Security-Policy violations reported on the console, and uncaught script errors;
  * a page that loaded without being scanned (a navigation that bypassed the helpers below).

Adding a journey
----------------
Write `tests/browser/test_<journey>.py`; every test in this folder is marked `browser` and is skipped when
/usr/bin/chromium is missing. Ask for `visitor` (a tab with JavaScript on) or `new_visitor` (for more tabs,
or `new_visitor(javascript=False)`), build the data with tests/factories.py, then move only through

    visitor.open("/path/")                                        # address bar; status=404 to expect one
    visitor.follow(page.get_by_role("link", name="Sign in"))      # a link that loads a page
    visitor.submit(page.get_by_role("button", name="Sign in"))    # a form post (redirects followed)

Each waits for the next page to load and scans it. After an htmx swap, which loads no page, call
`visitor.scan()` yourself. Assert with `playwright.sync_api.expect` on `visitor.page`. Mail sent by the
live server lands in `mailoutbox` (same process, locmem backend).

Run: `.venv/bin/pytest tests/browser -q -p no:randomly`; `--headed` or `--slowmo 500` to watch.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.browser.visitor import Visitor

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No internet here or in CI: without these Chromium keeps dialling Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
VISITORS = pytest.StashKey[list[Visitor]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: install Debian's chromium package to run it")
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        result = yield
    except Exception as failure:
        for problem in _problems(item):
            failure.add_note(problem)
        raise
    if problems := _problems(item):
        pytest.fail("\n\n".join(problems), pytrace=False)
    return result


def _problems(item: pytest.Item) -> list[str]:
    return [problem for visitor in item.stash.get(VISITORS, []) for problem in visitor.problems()]


# While Playwright's sync API runs, its event loop counts as running in this thread and Django refuses
# ORM calls from the test. So pytest-playwright's session-wide playwright/browser fixtures are narrowed to
# this package, and DJANGO_ALLOW_ASYNC_UNSAFE is set only while the loop lives: set for the whole session,
# every subprocess would inherit it (and `manage.py check --deploy` rejects it).
@pytest.fixture(scope="package")
def playwright():
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="package")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium, never a browser downloaded by `playwright install`.
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="package")
def browser(browser_type, browser_type_launch_args):
    browser = browser_type.launch(**browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args():
    return {"locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture(scope="session")
def _built_assets():
    if not (settings.BASE_DIR / "static" / "dist" / "main.css").exists():
        pytest.fail("static/dist/main.css is missing: run `npm run build` (`make test` does)", pytrace=False)


@pytest.fixture
def new_visitor(request, new_context, live_server, transactional_db, _built_assets):
    visitors: list[Visitor] = []
    request.node.stash[VISITORS] = visitors

    def make(*, javascript: bool = True) -> Visitor:
        context = new_context(java_script_enabled=javascript)
        context.set_default_timeout(10_000)  # a missing element fails in seconds, not Playwright's 30
        visitor = Visitor(context=context, base_url=live_server.url, javascript=javascript)
        visitors.append(visitor)
        return visitor

    yield make
    for visitor in visitors:
        visitor.close()


@pytest.fixture
def visitor(new_visitor) -> Visitor:
    return new_visitor()
