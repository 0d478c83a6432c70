"""Every route of the order lifecycle answers 404 to someone else's order, offer, factory or
notification, for each other role, and changes nothing."""

from __future__ import annotations

import pytest

from marketplace.models import Notification, Role
from matching.models import AssignmentStatus
from orders.models import OrderEvent
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROUTES = [
    ("post", "/api/offers/{offer}/accept/", {}),
    ("post", "/api/offers/{offer}/decline/", {"reason": "no_capacity"}),
    ("get", "/api/offers/{offer}/milestones/", {}),
    ("post", "/api/offers/{offer}/milestones/", {"kind": "materials_ready"}),
    ("post", "/api/offers/{offer}/delays/", {"new_finish": "2030-01-01", "reason": "Late"}),
    ("post", "/api/orders/{order}/cancel/", {}),
    ("get", "/api/orders/{order}/history/", {}),
    ("get", "/api/orders/{order}/parts/", {}),
    ("post", "/api/orders/{order}/accept-delay/", {"delay": 1}),
    ("post", "/api/orders/{order}/confirm-delivery/", {}),
    ("post", "/api/orders/{order}/rate/", {"quality": 5}),
    ("post", "/api/orders/{order}/approve-sample/", {}),
    ("post", "/api/orders/{order}/reject-sample/", {}),
    ("post", "/api/factories/{factory}/resume/", {}),
    ("post", "/api/notifications/{notification}/read/", {}),
    ("get", "/api/notifications/{notification}/", {}),
]


@pytest.mark.parametrize(
    ("method", "route", "data"), ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES]
)
@pytest.mark.parametrize("role", [Role.SELLER, Role.FACTORY_OWNER])
def test_another_user_gets_404_and_nothing_changes(
    method: str, route: str, data: dict[str, object], role: str
) -> None:
    window = make_window(make_factory())
    offer = make_assignment(make_order(quantity=300), window)
    accepted = make_assignment(make_order(quantity=300), window, status=AssignmentStatus.ACCEPTED)
    notification = Notification.objects.create(
        recipient=offer.order.seller,
        kind="test",
        params={"text_title": "Yours", "text": "Only yours"},
    )
    ids = {
        "offer": offer.pk if "decline" in route or "accept/" in route else accepted.pk,
        "order": accepted.order_id,
        "factory": offer.factory_id,
        "notification": notification.pk,
    }
    stranger = client_for(make_user(role))
    events_before = OrderEvent.objects.count()

    response = getattr(stranger, method)(route.format(**ids), data, format="json")

    assert response.status_code == 404, response.content
    assert OrderEvent.objects.count() == events_before
    notification.refresh_from_db()
    assert notification.read_at is None
