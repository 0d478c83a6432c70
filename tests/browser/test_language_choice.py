"""A signed-in user who picks a language in the header keeps it: the pages switch at once,
and after logging in again from a browser that asks for the other language, the account's
choice wins. Walked by clicks at phone width, each page checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role, User
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page, open_home
from tests.browser.navigation import PHONE, click_in_header, log_in_from_home
from tests.builders import PASSWORD, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


def test_a_language_chosen_in_the_header_is_kept_for_the_next_log_in(
    browser: Browser, live_server: LiveServer, screens: Screens
) -> None:
    seller = make_user(Role.SELLER, username="lin")
    page = new_page(browser, live_server.url, "en", screens, width=PHONE)
    log_in_from_home(page, screens, "en", seller.username)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("header.top details.menu > summary").click()
    with page.expect_navigation():
        page.locator("#language-switcher").select_option("zh-hans")
    check_accessibility(page, screens)
    screens.take(page, "switched to Chinese")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    seller.refresh_from_db()
    assert seller.language == "zh-hans"

    # another browser (no cookies) that asks for English: the account's language wins
    again = new_page(browser, live_server.url, "en", screens, width=PHONE)
    open_home(again, screens)
    click_in_header(again, screens, "en", "Log in")
    again.fill("input[name=username]", seller.username)
    again.fill("input[name=password]", PASSWORD)
    click_to(again, screens, again.locator("form.stacked button[type=submit]"), name="in")
    again.wait_for_url(re.compile(r"/seller/$"))
    expect(again.locator("html")).to_have_attribute("lang", "zh-hans")
    assert User.objects.get(pk=seller.pk).language == "zh-hans"
