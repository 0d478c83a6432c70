"""At phone width (375 px), in Chinese and English, a seller clicks from the home page to the
shops page, connects a shop, imports its CSV order export, adds the SKU it sells with the stock
on hand, has the stock checked and approves the order drafted for the SKU about to run out.
axe checks every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from orders.models import Order, OrderStatus
from shops.models import Sale
from tests.browser.conftest import Screens, check_accessibility, click_to, new_page
from tests.browser.navigation import click_in_header, label, log_in_from_home
from tests.builders import category, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("category_tree")]

PHONE = 375


def export(tmp_path: object) -> str:
    """Two weeks of a Tmall export: 10 white tees a day, with the columns it names."""
    now = timezone.localtime()
    lines = ["订单编号,商家编码,购买数量,订单创建时间,收货人"]
    for n in range(14):
        at = (now - dt.timedelta(days=n, hours=2)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"T{n},TEE-WHITE-M,10,{at},张三")
    path = f"{tmp_path}/orders.csv"
    with open(path, "wb") as file:
        file.write("\n".join(lines).encode("gbk"))
    return path


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_seller_connects_a_shop_by_csv_and_approves_the_drafted_order(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str, tmp_path: object
) -> None:
    seller = make_user(Role.SELLER)
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)

    click_in_header(page, screens, language, "Shops")
    page.fill("input[name=name]", "天猫旗舰店")
    page.select_option("select[name=platform]", "csv")
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="connected")
    check_accessibility(page, screens)
    page.set_input_files("input[name=file]", export(tmp_path))
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="imported")
    expect(page.locator(".messages")).to_be_visible()
    assert Sale.objects.filter(connection__seller=seller).count() == 14

    click_in_header(page, screens, language, "Shops")
    click_to(page, screens, page.get_by_role("link", name=label(language, "Add a SKU")))
    page.fill("input[name=code]", "TEE-WHITE-M")
    page.fill("input[name=title]", "White tee M")
    page.select_option("select[name=category]", str(category().pk))
    page.fill("input[name=max_unit_price]", "12.00")
    city = "杭州市（浙江省）" if language == "zh-hans" else "Hangzhou, Zhejiang"
    page.fill("input[name=ship_to_place]", city)
    page.fill("input[name=lot_size]", "50")
    page.fill("input[name=stock_on_hand]", "150")
    click_to(page, screens, page.locator("form.stacked button[type=submit]"), name="sku added")

    button = page.get_by_role("button", name=label(language, "Check the stock now"))
    click_to(page, screens, button, name="checked")
    approve = page.get_by_role("button", name=re.compile("TEE-WHITE-M"))
    check_accessibility(page, screens)
    click_to(page, screens, approve, name="approved")
    order = Order.objects.get(seller=seller)
    expect(page).to_have_url(re.compile(rf"/seller/orders/{order.pk}/$"))
    assert (order.status, order.quantity) == (OrderStatus.OPEN, 300)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the order page is {width}px wide at {PHONE}px"
