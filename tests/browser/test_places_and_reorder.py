"""At phone width (375 px), in Chinese and English, a seller reaches the new order form and the
order page by clicking from the home page: watches the instant quote change as the price is
typed (nothing fits at 5 CNY, a factory has room at 12), posts the order by typing its ship-to
city (no coordinates), then reorders a delivered order (返单) from its page. axe checks every
page, and the form again after the quote's swap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from orders.models import Order, OrderStatus
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page
from tests.browser.navigation import (
    PHONE,
    click_in_header,
    label,
    log_in_from_home,
    no_sideways_scroll,
)
from tests.builders import category, days, make_factory, make_user, make_window
from tests.orders.test_api_order_reorder import delivered_bulk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_seller_names_the_city_and_reorders_by_clicking(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    seller = make_user(Role.SELLER)
    original = delivered_bulk(seller)
    make_window(make_factory(), start=1, end=40, units_per_day=100)  # T-shirts at 10.00 CNY
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)

    # a new order, its ship-to city typed as the list offers it; the quote follows the typing
    click_in_header(page, screens, language, "New order")
    quote = page.locator("#quote")
    expect(quote).to_contain_text(label(language, "Instant quote"))
    page.fill("input[name=title]", "Canvas totes")
    page.select_option("select[name=category]", str(category().pk))
    page.fill("input[name=quantity]", "500")
    page.fill("input[name=max_unit_price]", "5.00")
    page.fill("input[name=due_date]", days(30).isoformat())
    city = "义乌市（浙江省）" if language == "zh-hans" else "Yiwu, Zhejiang"
    page.fill("input[name=ship_to_place]", city)
    expect(quote.locator(".quote-verdict.warn")).to_be_visible()
    expect(quote).to_contain_text("10.00")  # the price that would fit
    check_accessibility(page, screens)
    page.fill("input[name=max_unit_price]", "12.00")
    expect(quote.locator(".quote-verdict.ok")).to_be_visible()
    check_accessibility(page, screens)
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="posted")
    posted = Order.objects.get(title="Canvas totes")
    assert posted.ship_to_city == ("义乌市" if language == "zh-hans" else "Yiwu")
    assert round(posted.ship_to_latitude, 1) == 29.3

    # the delivered order, from the list of orders, reordered from its page
    click_in_header(page, screens, language, "Orders")
    click_to(page, screens, page.get_by_role("link", name=original.title, exact=True).first)
    page.locator("#reorder > summary").click()
    check_accessibility(page, screens)
    page.fill("#reorder-quantity", "900")
    page.fill("#reorder-due_date", days(40).isoformat())
    click_to(page, screens, page.locator("#reorder button[type=submit]"), name="reordered")
    repeat = Order.objects.exclude(pk__in=(original.pk, posted.pk)).get()
    expect(page).to_have_url(re.compile(rf"/seller/orders/{repeat.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(
        label(language, "The reorder is posted; it is matched with factories shortly.")
    )
    assert (repeat.quantity, repeat.status, repeat.sample) == (900, OrderStatus.OPEN, original)
    no_sideways_scroll(page)
