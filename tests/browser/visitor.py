"""A visitor's browser tab that checks every page it lands on: axe-core (WCAG 2.2 AA), the CSP, script errors.

Journeys navigate through `open`, `follow` and `submit`; each waits for the new page to load and scans it.
`problems()` lists what was found; tests/browser/conftest.py fails the test with that list.
"""

from urllib.parse import urldefrag

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Response, Route

# Every axe-core rule for WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe has no wcag22a rules).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
_AXE = Axe()

# A no-JavaScript page is scanned as a copy rendered in a scratch tab: axe needs timers, which do not run
# where JavaScript is off. The copy's own scripts stay blocked, so axe sees exactly the no-JS page.
_SNAPSHOT_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": "script-src 'none'",
}


class Visitor:
    def __init__(self, *, context: BrowserContext, base_url: str, javascript: bool = True) -> None:
        self.context = context
        self.base_url = base_url.rstrip("/")
        self.javascript = javascript
        self.page: Page = context.new_page()
        self._documents: list[dict] = []  # every page load in this tab, and whether it was scanned
        self._violations: list[str] = []
        self._csp_errors: list[str] = []
        self._script_errors: list[str] = []
        self._scratch: Page | None = None
        self._snapshot: tuple[str, str] = ("", "")  # (url, html) the scratch tab serves
        self.page.on("load", self._on_load)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self._script_errors.append(f"{self.page.url}: {error}"))

    # --- Navigation: each lands on a new page and scans it -----------------------------------------
    def open(self, path: str, *, status: int = 200) -> Response:
        """Type `path` into the address bar."""
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"GET {path}: expected {status}, got {response.status}"
        self.scan()
        return response

    def follow(self, target: Locator, *, status: int = 200) -> Response:
        """Click a link or a button that loads another page (a form's submit button included)."""
        with self.page.expect_navigation() as navigation:
            target.click()
        response = navigation.value
        assert response is not None
        assert response.status == status, (
            f"{response.request.method} {response.url}: expected {status}, got {response.status}"
        )
        self.scan()
        return response

    submit = follow  # reads better at a form's button: visitor.submit(page.get_by_role("button", ...))

    def path(self) -> str:
        return urldefrag(self.page.url).url.removeprefix(self.base_url)

    # --- Checks -----------------------------------------------------------------------------------
    def scan(self) -> None:
        """Run axe-core on the page as it is now: call it after an htmx swap, which is no page load."""
        self.page.wait_for_load_state("load")
        url = self.page.url
        target = self.page if self.javascript else self._render_copy()
        violations = _AXE.run(target, options=AXE_OPTIONS).response["violations"]
        if violations:
            self._violations.append(format_violations(url, violations, javascript=self.javascript))
        if self._documents:
            self._documents[-1]["scanned"] = True

    def problems(self) -> list[str]:
        unscanned = [d["url"] for d in self._documents if not d["scanned"]]
        problems = list(self._violations)
        if unscanned:
            problems.append(
                "Pages loaded but never scanned (navigate with visitor.open/follow/submit, "
                "or call visitor.scan()):\n" + "\n".join(f"  {url}" for url in unscanned)
            )
        if self._csp_errors:
            csp_errors = dict.fromkeys(self._csp_errors)  # Chromium may report one violation twice
            problems.append("Content-Security-Policy violations:\n" + "\n".join(csp_errors))
        if self._script_errors:
            problems.append("Uncaught script errors:\n" + "\n".join(self._script_errors))
        return problems

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.context.close()

    # --- Internals ----------------------------------------------------------------------------------
    def _on_load(self, page: Page) -> None:
        self._documents.append({"url": page.url, "scanned": False})

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self._csp_errors.append(f"  {self.page.url}: {text}")

    def _render_copy(self) -> Page:
        if self._scratch is None:
            browser = self.context.browser
            assert browser is not None
            self._scratch = browser.new_context(viewport=self.page.viewport_size).new_page()
            self._scratch.route(lambda url: urldefrag(url).url == self._snapshot[0], self._serve_snapshot)
        url = urldefrag(self.page.url).url
        self._snapshot = (url, self.page.content())
        self._scratch.goto(url)
        return self._scratch

    def _serve_snapshot(self, route: Route) -> None:
        route.fulfill(status=200, headers=_SNAPSHOT_HEADERS, body=self._snapshot[1])


def format_violations(url: str, violations: list[dict], *, javascript: bool) -> str:
    mode = "JavaScript on" if javascript else "JavaScript off"
    lines = [f"axe-core found {len(violations)} WCAG 2.2 AA violation(s) on {url} ({mode}):"]
    for violation in violations:
        lines.append(
            f"  - {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            html = " ".join(node.get("html", "").split())
            lines.append(f"      at {target}: {html[:160]}")
    return "\n".join(lines)
