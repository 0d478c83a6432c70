"""Browser tests: Playwright's Python package driving Debian's chromium (/usr/bin/chromium),
headless, against a live server on the test database; nothing downloads a browser.

Tests walk like users: they open the home page by URL, then reach every page by clicking
visible links and buttons (``click_to``). Every page they reach is checked by axe-core
(``check_accessibility``, npm package in ``node_modules/``, installed by ``npm ci`` from
package-lock.json): any violation of impact serious or critical fails the test, and a test
that leaves a loaded page unchecked fails too.

axe is injected under the site's own Content-Security-Policy (``script-src 'self'``, not
weakened for tests): the page loads it with a ``<script src>`` from a same-origin URL,
``AXE_PATH``, which the browser context answers with ``node_modules/axe-core/axe.min.js``
(Playwright's ``route``), so the request never reaches Django.

When a test fails, a screenshot of every page it visited is kept in
``$BROWSER_ARTIFACTS`` (default ``tests/browser/artifacts/<test name>/``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error, Locator, Page, Route, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; the test's own database calls
# (setting up rows, asserting) are ordinary synchronous calls made between its steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(__file__).resolve().parent / "artifacts"))
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__browser-tests__/axe.min.js"  # same origin as the pages: CSP script-src 'self'
# what fails a page; axe's other impacts (moderate, minor) are reported by axe only
FAILING_IMPACTS = ("serious", "critical")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def axe_installed() -> Path:
    """node_modules/axe-core from package-lock.json (`npm ci`, as `make test` does)."""
    if not AXE.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True
        )
    return AXE


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    axe_installed()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Screens:
    """Screenshots of the pages a test visits, kept only if it fails; and which loaded pages
    axe has not checked yet."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.pages: list[Page] = []
        self.unchecked: dict[Page, str] = {}  # a page's last load, until axe checks it
        self.never_checked: list[str] = []  # pages left before axe checked them

    def loaded(self, page: Page) -> None:
        if page in self.unchecked:
            self.never_checked.append(self.unchecked[page])
        self.unchecked[page] = page.url

    def take(self, page: Page, name: str) -> None:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{slug}.png"), full_page=True)


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Iterator[Screens]:
    folder = Path(tempfile.mkdtemp(prefix="browser-"))
    taken = Screens(folder)
    yield taken
    report = getattr(request.node, "report_call", None)
    if report is not None and report.passed:
        left = taken.never_checked + list(taken.unchecked.values())
        assert not left, f"pages loaded but not checked with check_accessibility: {left}"
    if report is not None and report.failed:
        for number, page in enumerate(taken.pages, start=1):  # where each page was left
            if not page.is_closed():
                taken.take(page, f"at failure page {number}")
        target = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder, target)
        print(f"\nScreenshots of the failed test: {target}")
    shutil.rmtree(folder, ignore_errors=True)


def new_page(
    browser: Browser,
    base_url: str,
    language: str,
    screens: Screens,
    *,
    width: int = 1280,
) -> Page:
    """A fresh browser context (its own cookies) that asks for ``language``; ``screens``
    photographs it where it was left if the test fails."""
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN" if language.startswith("zh") else "en-US",
        extra_http_headers={"Accept-Language": language},
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(15_000)
    context.route(f"{base_url}{AXE_PATH}", serve_axe)
    page = context.new_page()
    page.on("load", lambda loaded: screens.loaded(loaded))
    screens.pages.append(page)
    return page


def serve_axe(route: Route) -> None:
    route.fulfill(path=AXE, content_type="text/javascript; charset=utf-8")


def check_accessibility(page: Page, screens: Screens) -> None:
    """Run axe-core on the page as it is now (after a load or an htmx swap); fail on any
    violation of impact serious or critical. A page that reloads itself while axe runs
    (the run page, when its run finishes) is checked again once loaded."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = page.evaluate(AXE_RUN, AXE_PATH)
            break
        except Error as error:
            if "context was destroyed" not in error.message or attempt == 2:
                raise
    screens.unchecked.pop(page, None)
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    width = page.viewport_size["width"] if page.viewport_size else "?"
    assert not failing, f"axe on {page.url} ({results['lang']}, {width}px):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['html'][:200]}" for n in v["nodes"][:5])
        for v in failing
    )


# Loads axe with a <script src> from AXE_PATH (allowed by script-src 'self') unless the page
# has it already, then runs it on the whole document.
AXE_RUN = """async (src) => {
  if (typeof window.axe !== 'object') {
    await new Promise((loaded, failed) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = loaded;
      script.onerror = () => failed(new Error('axe-core did not load from ' + src));
      document.head.appendChild(script);
    });
  }
  const results = await axe.run(document, {resultTypes: ['violations']});
  return {violations: results.violations, lang: document.documentElement.lang};
}"""


def open_home(page: Page, screens: Screens) -> None:
    """The one page a test opens by URL: the home page. Everything else is clicked."""
    page.goto("/")
    check_accessibility(page, screens)
    screens.take(page, "home")


def click_to(page: Page, screens: Screens, target: Locator, *, name: str = "") -> None:
    """Click a visible link or submit button that loads a page, wait for that page, check
    it with axe, and photograph it (kept if the test fails)."""
    expect(target).to_be_visible()
    with page.expect_navigation():
        target.click()
    check_accessibility(page, screens)
    screens.take(page, name or page.url)
