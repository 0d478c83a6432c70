"""Walking the site as a user does: from the home page (the only URL typed), through the
header's links, which at phone width are behind the menu button."""

from __future__ import annotations

import re

from django.utils import translation
from playwright.sync_api import Page

from marketplace.models import User
from tests.browser.conftest import Screens, click_to, open_home
from tests.builders import PASSWORD

# the width of a phone screen, in CSS pixels
PHONE = 375


def no_sideways_scroll(page: Page, width: int = PHONE) -> None:
    """The page is no wider than the screen: nothing to scroll sideways."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide}px wide at {width}px"


def label(language: str, text: str) -> str:
    """``text`` as the pages show it in ``language`` (the catalogue's translation)."""
    with translation.override(language):
        return str(translation.gettext(text))


def click_in_header(page: Page, screens: Screens, language: str, name: str) -> None:
    """Follow the header's link named ``name`` (in English; clicked in ``language``); the
    page it loads is checked with axe."""
    menu = page.locator("header.top details.menu")
    if menu.locator("> summary").is_visible() and menu.get_attribute("open") is None:
        menu.locator("> summary").click()
    link = page.locator("header.top nav").get_by_role(
        "link", name=label(language, name), exact=True
    )
    click_to(page, screens, link, name=name)


def reads_in(username: str, language: str) -> None:
    """The account's language, which the pages follow after log-in (marketplace/languages.py)."""
    User.objects.filter(username=username).update(language=language)


def log_in_from_home(page: Page, screens: Screens, language: str, username: str) -> None:
    """Open the home page, follow Log in, and log in; lands on the user's dashboard."""
    reads_in(username, language)
    open_home(page, screens)
    click_in_header(page, screens, language, "Log in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="logged in")
    page.wait_for_url(re.compile(r"/(factory|seller|staff/runs)/$"))
