"""At phone width (375 px), in Chinese and English, a factory owner clicks from the home page
to an offer and answers it with a counter-offer; the seller clicks from the home page to the
order and accepts it. axe checks every page; no page scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page
from tests.browser.navigation import (
    PHONE,
    click_in_header,
    label,
    log_in_from_home,
    no_sideways_scroll,
)
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_owner_counters_an_offer_and_the_seller_accepts_it_by_clicking(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    owner, seller = make_user(Role.FACTORY_OWNER), make_user(Role.SELLER)
    window = make_window(make_factory(owner), units_per_day=100, start=2, end=20)
    offer = make_assignment(make_order(seller, quantity=500, title="Linen shirts"), window)
    later = offer.planned_finish + dt.timedelta(days=3)

    # the owner: home, Offers, the offer, its counter-offer form
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, owner.username)
    click_in_header(page, screens, language, "Offers")
    link = page.get_by_role("link", name=f"#{offer.order_id} Linen shirts", exact=True)
    click_to(page, screens, link.first, name="offer")
    page.locator("#counter > summary").click()
    check_accessibility(page, screens)
    page.fill("#counter-unit_price", "11.50")
    page.fill("#counter-planned_finish", later.isoformat())
    page.fill("#counter-note", "Linen went up this month")
    click_to(page, screens, page.locator("#counter button[type=submit]"), name="countered")
    expect(page.locator(".messages")).to_contain_text(
        label(language, "Counter-offer sent; the seller accepts or rejects it.")
    )
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.COUNTERED
    no_sideways_scroll(page)

    # the seller: home, the dashboard's counter-offer, the order, accept
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)
    expect(page.locator("#needs-counters")).to_have_text(
        label(language, "A factory answered with a counter-offer")
    )
    order_link = page.get_by_role("link", name=f"#{offer.order_id} Linen shirts", exact=True)
    click_to(page, screens, order_link.first, name="order")
    expect(page.locator("#counters-waiting")).to_be_visible()
    expect(page.locator("article.counter")).to_contain_text("Linen went up this month")
    no_sideways_scroll(page)
    accept = page.get_by_role("button", name=label(language, "Accept the counter-offer"))
    click_to(page, screens, accept, name="accepted")
    expect(page).to_have_url(re.compile(rf"/seller/orders/{offer.order_id}/$"))
    expect(page.locator(".messages")).to_contain_text(
        label(language, "Counter-offer accepted: the factory makes this part on its terms.")
    )
    part = Assignment.objects.get(pk=offer.pk)
    assert (part.status, part.unit_price, part.promised_finish) == (
        AssignmentStatus.ACCEPTED,
        Decimal("11.50"),
        later,
    )
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.ACCEPTED
    no_sideways_scroll(page)
