"""At phone width (375 px), in Chinese and English, by clicking from the home page: a seller
moves a late part to the standby factory proposed on the order's page, and that factory's
owner finds the offer in the inbox; a factory owner on probation reads its limits and progress
on the dashboard, and the prices that would have filled its idle days on the dashboard and the
capacity calendar. axe checks every page; no page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from matching.models import Assignment, AssignmentStatus
from production.models import StandbySwitchStatus
from tests.browser.conftest import Screens, click_to, new_page
from tests.browser.navigation import (
    PHONE,
    click_in_header,
    label,
    log_in_from_home,
    no_sideways_scroll,
)
from tests.builders import make_factory, make_order, make_user, make_window, run_matching
from tests.production.test_standby_switches import (
    accepted_part,
    proposed_when_late,
    standby_window,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_late_part_is_moved_to_its_standby_factory_by_clicking(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    seller = make_user(Role.SELLER)
    part = accepted_part(seller)
    standby = standby_window()
    switch = proposed_when_late(part)
    title = part.order.title

    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)
    click_in_header(page, screens, language, "Orders")
    click_to(page, screens, page.get_by_role("link", name=title, exact=True).first)
    section = page.locator('section[aria-labelledby="standby-waiting"]')
    expect(section).to_contain_text(standby.factory.name)
    no_sideways_scroll(page)
    click_to(
        page,
        screens,
        section.get_by_role("button", name=label(language, "Move the part to the standby factory")),
    )
    expect(page.locator("main")).to_contain_text(
        label(language, "The part is moved: the standby factory is offered it.")
    )
    switch.refresh_from_db()
    assert switch.status == StandbySwitchStatus.SWITCHED
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.SWITCHED

    # the standby factory's owner finds the offer in the inbox
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, standby.factory.owner.username)
    click_in_header(page, screens, language, "Offers")
    expect(page.locator("main")).to_contain_text(f"#{part.order_id}")
    no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_probation_and_price_guidance_are_read_by_clicking(
    browser: Browser,
    live_server: LiveServer,
    screens: Screens,
    settings: Settings,
    language: str,
) -> None:
    settings.PROBATION_ORDERS = 3
    owner = make_user(Role.FACTORY_OWNER)
    factory = make_factory(owner, name="Fresh Knits")
    window = make_window(factory, units_per_day=100)  # 10.00 CNY a unit
    make_order(quantity=1500, max_unit_price="9.50")
    run_matching()
    guidance = f'[data-guidance-window="{window.pk}"]'

    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, owner.username)
    main = page.locator("main")
    expect(main).to_contain_text(probation_text(language))
    expect(page.locator(guidance).first).to_contain_text(guidance_text(language))
    no_sideways_scroll(page)
    click_in_header(page, screens, language, "Capacity calendar")
    expect(page.locator(guidance).first).to_contain_text(guidance_text(language))
    no_sideways_scroll(page)


def probation_text(language: str) -> str:
    return "0 / 3" if language == "zh-hans" else "0 of 3 so far"


def guidance_text(language: str) -> str:
    if language == "zh-hans":
        return "单价 9.50 元时，您本可多接 1 个订单，共 1500 件"
    return "at 9.50 CNY you would have had 1 more order, 1,500 units"
