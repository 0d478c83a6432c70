"""At phone width (375 px), in Chinese and English: a seller clicks from the home page to a
delivered order and opens a dispute, and sees on a sample's page the capacity its factory holds
for the bulk order; the factory owner clicks from the home page to the dashboard (the track
record, the dispute waiting) and answers the dispute on the offer's page. axe checks every
page; no page scrolls sideways."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from marketplace.models import Role
from matching.models import Assignment, AssignmentStatus
from orders.models import MilestoneKind, OrderKind
from production.models import Dispute, DisputeStatus
from production.services import delivery_confirm, milestone_post
from production.track_record import track_records_learn
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
def test_a_dispute_is_opened_and_answered_and_the_track_record_is_shown_by_clicking(
    browser: Browser, live_server: LiveServer, screens: Screens, language: str
) -> None:
    owner, seller = make_user(Role.FACTORY_OWNER), make_user(Role.SELLER)
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=30)
    part = make_assignment(
        make_order(seller, quantity=200, title="Canvas bags"),
        window,
        status=AssignmentStatus.ACCEPTED,
    )
    for kind in MilestoneKind:
        milestone_post(part=part, actor=owner, kind=kind, carrier="SF", tracking_number="SF1")
    delivery_confirm(order=part.order, actor=seller)
    sample = make_order(
        seller, kind=OrderKind.SAMPLE, quantity=20, title="Tote sample", bulk_quantity_expected=900
    )
    make_assignment(sample, window, status=AssignmentStatus.ACCEPTED)
    Assignment.objects.filter(order=sample).update(responded_at=timezone.now())
    track_records_learn()

    # the seller: Orders, the delivered order, open a dispute
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, seller.username)
    click_in_header(page, screens, language, "Orders")
    click_to(page, screens, page.get_by_role("link", name="Canvas bags", exact=True).first)
    page.locator("details summary").filter(has_text=part.factory.name).click()
    check_accessibility(page, screens)
    page.select_option(f"#id_dispute-{part.pk}-reason", "defects")
    page.fill(f"#id_dispute-{part.pk}-text", "Seams open on 30 bags")
    click_to(page, screens, page.get_by_role("button", name=label(language, "Open the dispute")))
    expect(page.locator(".dispute")).to_contain_text("Seams open on 30 bags")
    no_sideways_scroll(page)
    # the sample's page says what its factory holds for the bulk order
    click_in_header(page, screens, language, "Orders")
    click_to(page, screens, page.get_by_role("link", name="Tote sample", exact=True).first)
    expect(page.locator("#sample-hold")).to_be_visible()
    no_sideways_scroll(page)

    # the owner: the dashboard (track record, the dispute waiting), the offer page, answer
    page = new_page(browser, live_server.url, language, screens, width=PHONE)
    log_in_from_home(page, screens, language, owner.username)
    expect(page.locator("#track-record")).to_have_text(label(language, "Your track record"))
    no_sideways_scroll(page)
    link = page.get_by_role("link", name=f"#{part.order_id} Canvas bags", exact=True)
    click_to(page, screens, link.first, name="offer")
    page.locator("textarea[name=answer]").fill("We will remake the 30 bags this week")
    click_to(page, screens, page.get_by_role("button", name=label(language, "Send the answer")))
    assert Dispute.objects.get().status == DisputeStatus.ANSWERED
    no_sideways_scroll(page)
