"""Browser tests: Playwright's Python package driving Debian's chromium (/usr/bin/chromium),
headless, against a live server on the test database; nothing downloads a browser.

When a test fails, a screenshot of every page it visited is kept in
``$BROWSER_ARTIFACTS`` (default ``tests/browser/artifacts/<test name>/``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Screens:
    """Screenshots of the pages a test visits, kept only if it fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.pages: list[Page] = []

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
    page = context.new_page()
    screens.pages.append(page)
    return page
