"""At phone width (375 px), in Chinese and English, by clicking from the home page: a seller
posts a small order that allows pooling (拼单) through the order form; a match run pools it
with another seller's small order to reach the factory's minimum; the owner sees the pool in
the offers inbox and on the offer's page and accepts this order's offer; the seller reads on
the order's page that its part is pooled, never the other seller. axe checks every page; no
page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from matching.models import Assignment, AssignmentStatus
from orders.models import Order
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page
from tests.browser.navigation import (
    PHONE,
    click_in_header,
    label,
    log_in_from_home,
    no_sideways_scroll,
)
from tests.builders import (
    category,
    days,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]


def pooled_text(language: str, orders: int, units: str) -> str:
    if language == "zh-hans":
        return f"拼单：共 {orders} 个订单，合计 {units.replace(',', '')} 件同批生产。"
    return f"Pooled: {orders} orders, {units} units together in one lot."


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_two_sellers_small_orders_are_pooled_and_accepted_by_clicking(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    owner, seller = make_user(Role.FACTORY_OWNER), make_user(Role.SELLER)
    other = make_order(quantity=500, allows_pooling=True, title="Other seller's totes")
    # lots of 1,000 to 5,000 units: neither order alone reaches the minimum
    factory = make_factory(owner, min_order_quantity=1000, max_order_quantity=5000)
    make_window(factory, units_per_day=100, start=1, end=30)

    # the seller posts a pooling order of 600 units through the form
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)
    click_in_header(page, screens, language, "New order")
    page.fill("input[name=title]", "Canvas pouches")
    page.select_option("select[name=category]", str(category().pk))
    page.fill("input[name=quantity]", "600")
    page.fill("input[name=max_unit_price]", "12.00")
    page.fill("input[name=due_date]", days(40).isoformat())
    page.fill(
        "input[name=ship_to_place]",
        "义乌市（浙江省）" if language == "zh-hans" else "Yiwu, Zhejiang",
    )
    # the instant quote: below the factory's minimum alone, but a pool could make it
    quote = page.locator("#quote")
    zh = language == "zh-hans"
    expect(quote).to_contain_text("允许拼单：1 家工厂" if zh else "pooling allowed: 1 factory")
    page.get_by_label(label(language, "Allow pooling")).check()
    expect(quote).to_contain_text(
        "1 家工厂可拼单生产" if zh else "1 factory could make it in a pool"
    )
    check_accessibility(page, screens)  # the form with the quote swapped in
    no_sideways_scroll(page)
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="posted")
    posted = Order.objects.get(title="Canvas pouches")
    assert posted.allows_pooling

    run_matching()  # as the worker does after the order is posted
    offer = Assignment.objects.get(order=posted)
    assert offer.pool_key and offer.pool_key == Assignment.objects.get(order=other).pool_key

    # the owner: Offers shows the pool; the offer's page says so; accept this order's offer
    owner_page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(owner_page, screens, language, owner.username)
    click_in_header(owner_page, screens, language, "Offers")
    expect(owner_page.locator(".pool").first).to_contain_text(pooled_text(language, 2, "1,100"))
    no_sideways_scroll(owner_page)
    link = owner_page.get_by_role("link", name=f"#{posted.pk} Canvas pouches", exact=True)
    click_to(owner_page, screens, link.first, name="offer")
    expect(owner_page.locator("p.pool")).to_contain_text(pooled_text(language, 2, "1,100"))
    accept = owner_page.locator("form[action$='/accept/'] button").first
    click_to(owner_page, screens, accept, name="accepted")
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.ACCEPTED
    no_sideways_scroll(owner_page)

    # the seller: Orders, the order; its part is pooled, the other seller is never named
    click_in_header(page, screens, language, "Orders")
    click_to(page, screens, page.get_by_role("link", name="Canvas pouches", exact=True).first)
    expect(page.locator("small.pool")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Other seller's totes")
    expect(page.locator("main")).not_to_contain_text(other.seller.username)
    no_sideways_scroll(page)
