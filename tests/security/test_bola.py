"""Broken object-level authorisation, for every operation of the OpenAPI schema.

A first user of each role owns one of everything (tests/security/conftest.py). For each path
and method of the schema, a second user of each role asks for the first user's objects: a
detail route answers 404 (403 on staff-only routes) and changes nothing, a list never shows a
foreign row (also when filtered by a foreign id), and a write that names a foreign id (a
factory, a sample order, a part, a delay) is a 400 on that field. The table CASES says how for
each route; a route of the schema that is not in it fails (add its case when adding a route).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from marketplace.models import Role
from tests.builders import PASSWORD, days
from tests.security.conftest import ROLES, World, build_world, snapshot

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as ApiResponse

pytestmark = pytest.mark.django_db

Ids = Callable[[World], Any]
ALL = ROLES
SELLER, OWNER, STAFF = Role.SELLER, Role.FACTORY_OWNER, Role.STAFF


def _client(world: World) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.attacker)
    return client


def _call(world: World, method: str, path: str, body: dict[str, Any] | None = None) -> ApiResponse:
    client = _client(world)
    if method == "GET":
        return client.get(path, body or {})
    return getattr(client, method.lower())(path, body or {}, format="json")


def _results(response: ApiResponse) -> list[dict[str, Any]]:
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


# --- the kinds of check -------------------------------------------------------------------


@dataclass
class Check:
    roles: tuple[str, ...]

    def run(self, world: World, method: str, template: str) -> None:
        raise NotImplementedError


@dataclass
class NotFound(Check):
    """Someone else's object: 404, and nothing in the database changes."""

    target: Ids
    body: Callable[[World], dict[str, Any]] | None = None

    def run(self, world: World, method: str, template: str) -> None:
        before = snapshot()
        path = template.format(id=self.target(world))
        response = _call(world, method, path, self.body(world) if self.body else None)
        assert response.status_code == 404, (path, response.status_code, response.content[:300])
        assert snapshot() == before, f"{method} {path} changed the database"


@dataclass
class StaffOnly(Check):
    """A staff-only route: 403 for everyone else, and nothing changes."""

    target: Ids | None = None

    def run(self, world: World, method: str, template: str) -> None:
        before = snapshot()
        path = template.format(id=self.target(world)) if self.target else template
        response = _call(world, method, path)
        assert response.status_code == 403, (path, response.status_code, response.content[:300])
        assert snapshot() == before, f"{method} {path} changed the database"


@dataclass
class OtherRolesRefused(StaffOnly):
    """A route of one role (a seller's shops): 403 for the other roles, nothing changes."""


@dataclass
class ListHides(Check):
    """A list shows none of the victims' rows, also when filtered by a victim's id; the
    attacker's own rows (``own`` key) are there."""

    foreign: Callable[[World], set[int]]
    own: str | None = None
    filters: Callable[[World], list[dict[str, Any]]] = lambda world: [{}]

    def run(self, world: World, method: str, template: str) -> None:
        for query in self.filters(world):
            response = _call(world, "GET", template, query)
            assert response.status_code == 200, (template, query, response.content[:300])
            shown = {row["id"] for row in _results(response)}
            leaked = shown & self.foreign(world)
            assert not leaked, f"{template}?{query} shows another user's rows {sorted(leaked)}"
            if self.own in world.own and not query:
                assert world.own[self.own].pk in shown, f"{template} misses the user's own row"


@dataclass
class RejectsForeignId(Check):
    """A write naming another user's object in ``field``: 400 on that field for the role
    that may write (``writer``), 403 for the others; nothing changes. With ``own`` the write
    goes to the attacker's own object of that key."""

    writer: str
    field: str
    body: Callable[[World], dict[str, Any]]
    own: str | None = None

    def run(self, world: World, method: str, template: str) -> None:
        before = snapshot()
        path = template.format(id=world.own[self.own].pk) if self.own else template
        response = _call(world, method, path, self.body(world))
        if world.attacker.role == self.writer:
            assert response.status_code == 400, (path, response.status_code, response.content)
            assert self.field in response.json(), response.json()
        else:
            assert response.status_code == 403, (path, response.status_code, response.content)
        assert snapshot() == before, f"{method} {path} changed the database"


@dataclass
class Custom(Check):
    """A route without owned objects (sign-up, token, who am I, the public catalogue)."""

    check: Callable[[World], None]

    def run(self, world: World, method: str, template: str) -> None:
        self.check(world)


# --- routes without owned objects ---------------------------------------------------------


def _register_as_victim(world: World) -> None:
    body = {
        "username": world.victim_seller.username,
        "password": "An0ther-long-pass!",
        "role": "seller",
    }
    response = _call(world, "POST", "/api/auth/register/", body)
    assert response.status_code == 400 and "username" in response.json(), response.content
    world.victim_seller.refresh_from_db()
    assert world.victim_seller.check_password(PASSWORD)


def _token_of_victim(world: World) -> None:
    body = {"username": world.victim_seller.username, "password": "not-the-password"}
    response = _call(world, "POST", "/api/auth/token/", body)
    assert response.status_code == 400, response.content
    assert "token" not in response.json()


def _me(world: World) -> None:
    response = _call(world, "GET", "/api/auth/me/")
    assert response.status_code == 200
    assert response.json()["id"] == world.attacker.pk


def _my_language(world: World) -> None:
    """It changes the caller's own account, never another's."""
    victim_language = world.victim_seller.language
    response = _call(world, "PATCH", "/api/auth/me/", {"language": "zh-hans"})
    assert response.status_code == 200
    assert response.json()["id"] == world.attacker.pk
    world.victim_seller.refresh_from_db()
    assert world.victim_seller.language == victim_language


def _public(path: Callable[[World], str]) -> Callable[[World], None]:
    def check(world: World) -> None:
        response = _call(world, "GET", path(world))
        assert response.status_code == 200
        assert response.json() == APIClient().get(path(world)).json(), "differs per user"

    return check


def _unread_count(world: World) -> None:
    response = _call(world, "GET", "/api/notifications/unread-count/")
    assert response.json() == {"unread": 1}, "counts other users' notifications"


def _read_all(world: World) -> None:
    response = _call(world, "POST", "/api/notifications/read-all/")
    assert response.status_code == 200
    for notification in world.notifications:
        notification.refresh_from_db()
        assert notification.read_at is None, "marked another user's notification read"
    world.own["notification"].refresh_from_db()
    assert world.own["notification"].read_at is not None


def _quote_is_the_same_for_everyone(world: World) -> None:
    """A quote names no one's rows: a seller gets the answer any seller gets and nothing
    changes; the other roles are refused."""
    body = {"category": world.window.category_id, "quantity": 10, "max_unit_price": "99.00",
            "due_date": str(days(30)), "ship_to_latitude": 31.23,
            "ship_to_longitude": 121.47}  # fmt: skip
    before = snapshot()
    response = _call(world, "POST", "/api/quotes/", body)
    if world.attacker.role != SELLER:
        assert response.status_code == 403, response.content
    else:
        assert response.status_code == 200, response.content
        other = APIClient()
        other.force_authenticate(world.victim_seller)
        assert other.post("/api/quotes/", body, format="json").json() == response.json()
    assert snapshot() == before


def _creates_own_factory(world: World) -> None:
    body = {
        "name": "Mine",
        "city": "Ningbo",
        "province": "Zhejiang",
        "latitude": 29.87,
        "longitude": 121.54,
        "min_order_quantity": 1,
        "max_order_quantity": 1000,
        "owner": world.victim_owner.pk,  # ignored: a factory belongs to who creates it
    }
    before = snapshot()
    response = _call(world, "POST", "/api/factories/", body)
    if world.attacker.role != OWNER:
        assert response.status_code == 403
        assert snapshot() == before
        return
    assert response.status_code == 201, response.content
    assert world.factory.__class__.objects.get(pk=response.json()["id"]).owner == world.attacker
    after = snapshot()
    for label, rows in before.items():
        assert all(after[label][pk] == row for pk, row in rows.items()), f"{label} changed"


# --- the table: every (method, path) of the schema ----------------------------------------

factory_id: Ids = lambda w: w.factory.pk  # noqa: E731
offer_id: Ids = lambda w: w.offer.pk  # noqa: E731
part_id: Ids = lambda w: w.part.pk  # noqa: E731
order_id: Ids = lambda w: w.part.order_id  # noqa: E731


def _capability_body(w: World) -> dict[str, Any]:
    return {"factory": w.factory.pk, "category": w.capability.category_id, "unit_price": "5.00",
            "daily_output": 10}  # fmt: skip


def _window_body(w: World) -> dict[str, Any]:
    return {"factory": w.factory.pk, "category": w.window.category_id,
            "start_date": str(days(2)), "end_date": str(days(9)), "units_per_day": 10}  # fmt: skip


def _order_body(w: World) -> dict[str, Any]:
    return {"title": "Mine", "category": w.sample.category_id, "quantity": 100,
            "max_unit_price": "9.00", "due_date": str(days(30)), "ship_to_city": "Shanghai",
            "ship_to_latitude": 31.23, "ship_to_longitude": 121.47, "kind": "bulk",
            "sample": w.sample.pk}  # fmt: skip


def _detail(target: Ids, body: Callable[[World], dict[str, Any]] | None = None) -> NotFound:
    return NotFound(ALL, target, body)


def _sellers(
    target: Ids | None = None, body: Callable[[World], dict[str, Any]] | None = None
) -> list[Check]:
    """A seller-only route: another seller's object is 404 (a list hides it), other roles 403."""
    refused = OtherRolesRefused((OWNER, STAFF), target)
    return [NotFound((SELLER,), target, body), refused] if target else [refused]


def _webhook_unsigned(world: World) -> None:
    """Anyone may call a shop's webhook, but nothing is stored without its signature."""
    assert world.shop is not None
    before = snapshot()
    body = {"id": "X1", "line_items": [{"sku": "TEE", "quantity": 1000}]}
    response = _call(world, "POST", f"/api/shops/hooks/{world.shop.token}/", body)
    assert response.status_code == 401, response.content
    assert snapshot() == before


def _shop(world: World) -> int:
    assert world.shop is not None
    return world.shop.pk


def _sku(world: World) -> int:
    assert world.sku is not None
    return world.sku.pk


def _standby(world: World) -> int:
    assert world.standby is not None
    return world.standby.pk


def _replenishment(world: World) -> int:
    assert world.replenishment is not None
    return world.replenishment.pk


def _sku_body(world: World) -> dict[str, Any]:
    body = {"code": "NEW", "title": "New", "category": world.capability.category_id}
    return body | {"max_unit_price": "5.00", "ship_to_place": "杭州"}


CASES: dict[tuple[str, str], list[Check]] = {
    # accounts and the public catalogue
    ("POST", "/api/auth/register/"): [Custom(ALL, _register_as_victim)],
    ("POST", "/api/auth/token/"): [Custom(ALL, _token_of_victim)],
    ("GET", "/api/auth/me/"): [Custom(ALL, _me)],
    ("PATCH", "/api/auth/me/"): [Custom(ALL, _my_language)],
    ("GET", "/api/categories/"): [Custom(ALL, _public(lambda w: "/api/categories/"))],
    ("GET", "/api/places/"): [Custom(ALL, _public(lambda w: "/api/places/?q=shen"))],
    ("POST", "/api/quotes/"): [Custom(ALL, _quote_is_the_same_for_everyone)],
    ("GET", "/api/categories/{id}/"): [
        Custom(ALL, _public(lambda w: f"/api/categories/{w.capability.category_id}/"))
    ],
    # factory owners' rows
    ("GET", "/api/factories/"): [ListHides(ALL, lambda w: {w.factory.pk}, own="factory")],
    ("POST", "/api/factories/"): [Custom(ALL, _creates_own_factory)],
    ("GET", "/api/factories/{id}/"): [_detail(factory_id)],
    ("PATCH", "/api/factories/{id}/"): [_detail(factory_id, lambda w: {"name": "Taken over"})],
    ("DELETE", "/api/factories/{id}/"): [_detail(factory_id)],
    ("POST", "/api/factories/{id}/resume/"): [_detail(factory_id)],
    ("GET", "/api/capabilities/"): [
        ListHides(
            ALL,
            lambda w: {w.capability.pk},
            own="capability",
            filters=lambda w: [{}, {"factory": w.factory.pk}],
        )
    ],
    ("POST", "/api/capabilities/"): [RejectsForeignId(ALL, OWNER, "factory", _capability_body)],
    ("GET", "/api/capabilities/{id}/"): [_detail(lambda w: w.capability.pk)],
    ("PATCH", "/api/capabilities/{id}/"): [
        _detail(lambda w: w.capability.pk, lambda w: {"unit_price": "0.01"}),
        RejectsForeignId(
            (OWNER,), OWNER, "factory", lambda w: {"factory": w.factory.pk}, own="capability"
        ),  # fmt: skip
    ],
    ("DELETE", "/api/capabilities/{id}/"): [_detail(lambda w: w.capability.pk)],
    ("GET", "/api/capacity-windows/"): [
        ListHides(
            ALL,
            lambda w: {w.window.pk},
            own="window",
            filters=lambda w: [{}, {"factory": w.factory.pk}],
        )
    ],
    ("POST", "/api/capacity-windows/"): [RejectsForeignId(ALL, OWNER, "factory", _window_body)],
    ("GET", "/api/capacity-windows/{id}/"): [_detail(lambda w: w.window.pk)],
    ("PATCH", "/api/capacity-windows/{id}/"): [
        _detail(lambda w: w.window.pk, lambda w: {"units_per_day": 1}),
        RejectsForeignId(
            (OWNER,), OWNER, "factory", lambda w: {"factory": w.factory.pk}, own="window"
        ),  # fmt: skip
    ],
    ("DELETE", "/api/capacity-windows/{id}/"): [_detail(lambda w: w.window.pk)],
    # offers to factory owners
    ("GET", "/api/offers/"): [
        ListHides(
            ALL,
            lambda w: {w.offer.pk, w.part.pk},
            own="offer",
            filters=lambda w: [{}, {"factory": w.factory.pk}, {"order": w.offer.order_id}],
        )
    ],
    ("GET", "/api/offers/{id}/"): [_detail(offer_id)],
    # the latest run's price guidance on the owner's windows
    ("GET", "/api/price-guidance/"): [
        ListHides(
            ALL,
            lambda w: {w.guidance.pk} if w.guidance else set(),
            own="guidance",
            filters=lambda w: [{}, {"window": w.window.pk}, {"factory": w.factory.pk}],
        )
    ],
    ("GET", "/api/price-guidance/{id}/"): [_detail(lambda w: w.guidance.pk if w.guidance else 0)],
    ("POST", "/api/offers/{id}/accept/"): [_detail(offer_id)],
    ("POST", "/api/offers/{id}/decline/"): [
        _detail(offer_id, lambda w: {"reason": "other", "note": "x"})
    ],  # fmt: skip
    ("POST", "/api/offers/{id}/counter/"): [_detail(offer_id, lambda w: {"unit_price": "99.99"})],
    ("POST", "/api/offers/{id}/delays/"): [
        _detail(part_id, lambda w: {"new_finish": str(days(60)), "reason": "Late"})
    ],
    ("GET", "/api/offers/{id}/milestones/"): [_detail(part_id)],
    ("GET", "/api/offers/{id}/disputes/"): [_detail(part_id)],
    ("POST", "/api/offers/{id}/answer-dispute/"): [
        _detail(part_id, lambda w: {"answer": "Taken over"})
    ],
    ("POST", "/api/offers/{id}/milestones/"): [
        _detail(part_id, lambda w: {"kind": "production_started"})
    ],
    # sellers' orders and their assignments
    ("GET", "/api/orders/"): [
        ListHides(
            ALL,
            lambda w: w.victim_orders,
            own="order",
            filters=lambda w: [{}, {"category": w.sample.category_id}],
        )  # fmt: skip
    ],
    ("POST", "/api/orders/"): [RejectsForeignId(ALL, SELLER, "sample", _order_body)],
    ("GET", "/api/orders/{id}/"): [_detail(order_id)],
    ("PATCH", "/api/orders/{id}/"): [
        _detail(lambda w: w.sample.pk, lambda w: {"title": "Taken over"}),
        RejectsForeignId(
            (SELLER,), SELLER, "sample", lambda w: {"sample": w.sample.pk}, own="order"
        ),  # fmt: skip
    ],
    ("DELETE", "/api/orders/{id}/"): [_detail(lambda w: w.sample.pk)],
    ("POST", "/api/orders/{id}/open/"): [_detail(lambda w: w.sample.pk)],
    ("POST", "/api/orders/{id}/cancel/"): [_detail(order_id)],
    ("GET", "/api/orders/{id}/history/"): [_detail(order_id)],
    ("GET", "/api/orders/{id}/parts/"): [_detail(order_id)],
    ("POST", "/api/orders/{id}/accept-delay/"): [
        _detail(order_id, lambda w: {"delay": w.delay.pk}),
        RejectsForeignId(
            (SELLER,), SELLER, "delay", lambda w: {"delay": w.delay.pk}, own="order"
        ),  # fmt: skip
    ],
    ("GET", "/api/orders/{id}/standby-switches/"): [_detail(order_id)],
    ("POST", "/api/orders/{id}/accept-standby/"): [
        _detail(order_id, lambda w: {"switch": _standby(w)}),
        RejectsForeignId(
            (SELLER,), SELLER, "switch", lambda w: {"switch": _standby(w)}, own="order"
        ),  # fmt: skip
    ],
    ("POST", "/api/orders/{id}/decline-standby/"): [
        _detail(order_id, lambda w: {"switch": _standby(w)}),
        RejectsForeignId(
            (SELLER,), SELLER, "switch", lambda w: {"switch": _standby(w)}, own="order"
        ),  # fmt: skip
    ],
    ("POST", "/api/orders/{id}/confirm-delivery/"): [_detail(order_id)],
    ("POST", "/api/orders/{id}/rate/"): [
        _detail(order_id, lambda w: {"quality": 1}),
        RejectsForeignId(
            (SELLER,), SELLER, "part", lambda w: {"quality": 1, "part": w.part.pk}, own="order"
        ),  # fmt: skip
    ],
    ("GET", "/api/orders/{id}/disputes/"): [_detail(order_id)],
    ("POST", "/api/orders/{id}/disputes/"): [
        _detail(order_id, lambda w: {"reason": "defects", "text": "Taken over"}),
        RejectsForeignId(
            (SELLER,),
            SELLER,
            "part",
            lambda w: {"reason": "defects", "text": "x", "part": w.part.pk},
            own="order",
        ),
    ],
    ("POST", "/api/orders/{id}/approve-sample/"): [_detail(lambda w: w.sample.pk)],
    ("POST", "/api/orders/{id}/reorder/"): [_detail(lambda w: w.sample.pk)],
    ("POST", "/api/orders/{id}/reject-sample/"): [_detail(lambda w: w.sample.pk)],
    ("GET", "/api/order-assignments/"): [
        ListHides(
            ALL,
            lambda w: {w.offer.pk, w.part.pk},
            own="assignment",
            filters=lambda w: [{}, {"order": w.part.order_id}, {"factory": w.factory.pk}],
        )
    ],
    ("GET", "/api/order-assignments/{id}/"): [_detail(part_id)],
    ("POST", "/api/order-assignments/{id}/counter/accept/"): [_detail(offer_id)],
    ("POST", "/api/order-assignments/{id}/counter/reject/"): [_detail(offer_id)],
    # everyone's notifications
    ("GET", "/api/notifications/"): [
        ListHides(ALL, lambda w: {n.pk for n in w.notifications}, own="notification")
    ],
    ("GET", "/api/notifications/{id}/"): [_detail(lambda w: w.notifications[0].pk)],
    ("POST", "/api/notifications/{id}/read/"): [_detail(lambda w: w.notifications[1].pk)],
    ("POST", "/api/notifications/read-all/"): [Custom(ALL, _read_all)],
    ("GET", "/api/notifications/unread-count/"): [Custom(ALL, _unread_count)],
    # a seller's shops (shops/)
    ("GET", "/api/shops/connections/"): [
        ListHides((SELLER,), lambda w: {_shop(w)}, own="shop"),
        *_sellers(),
    ],
    ("POST", "/api/shops/connections/"): _sellers(),
    ("GET", "/api/shops/connections/{id}/"): _sellers(_shop),
    ("DELETE", "/api/shops/connections/{id}/"): _sellers(_shop),
    ("POST", "/api/shops/connections/{id}/import/"): _sellers(_shop),
    ("POST", "/api/shops/hooks/{token}/"): [Custom(ALL, _webhook_unsigned)],
    ("GET", "/api/shops/skus/"): [
        ListHides((SELLER,), lambda w: {_sku(w)}, own="sku"),
        *_sellers(),
    ],
    ("POST", "/api/shops/skus/"): [
        RejectsForeignId(
            ALL, SELLER, "made_like", lambda w: _sku_body(w) | {"made_like": w.sample.pk}
        )
    ],
    ("GET", "/api/shops/skus/{id}/"): _sellers(_sku),
    ("POST", "/api/shops/skus/{id}/stock/"): _sellers(_sku, lambda w: {"stock_on_hand": 0}),
    ("GET", "/api/shops/sales/"): [
        ListHides((SELLER,), lambda w: {w.sale.pk} if w.sale else set()),
        *_sellers(),
    ],
    ("GET", "/api/shops/sales/{id}/"): _sellers(lambda w: w.sale.pk if w.sale else 0),
    ("GET", "/api/shops/replenishments/"): [
        ListHides((SELLER,), lambda w: {_replenishment(w)}),
        *_sellers(),
    ],
    ("GET", "/api/shops/replenishments/{id}/"): _sellers(_replenishment),
    ("POST", "/api/shops/replenishments/{id}/approve/"): _sellers(_replenishment),
    # staff only
    ("GET", "/api/match-runs/"): [StaffOnly((SELLER, OWNER))],
    ("POST", "/api/match-runs/"): [StaffOnly((SELLER, OWNER))],
    ("GET", "/api/match-runs/{id}/"): [StaffOnly((SELLER, OWNER), lambda w: w.run.pk)],
    ("GET", "/api/what-ifs/"): [StaffOnly((SELLER, OWNER))],
    ("POST", "/api/what-ifs/"): [StaffOnly((SELLER, OWNER))],
    ("GET", "/api/what-ifs/{id}/"): [StaffOnly((SELLER, OWNER), lambda w: w.what_if.pk)],
}


def _schema_routes() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    ]


SCHEMA_ROUTES = _schema_routes()


def _params() -> list[Any]:
    params = []
    for method, path in SCHEMA_ROUTES:
        checks = CASES.get((method, path))
        roles = sorted({r for check in checks for r in check.roles}) if checks else ["?"]
        for role in roles:
            params.append(pytest.param(method, path, role, id=f"{method} {path} as {role}"))
    return params


@pytest.mark.parametrize(("method", "path", "role"), _params())
def test_another_user_cannot_reach_the_first_users_objects(
    method: str, path: str, role: str
) -> None:
    checks = CASES.get((method, path))
    if checks is None:
        pytest.fail(f"{method} {path} is in the API schema but has no case in CASES (BOLA)")
    world = build_world(role)
    for check in checks:
        if role in check.roles:
            check.run(world, method, path)


def test_every_route_of_the_schema_has_a_case_and_every_case_a_route() -> None:
    assert len(SCHEMA_ROUTES) >= 50  # the generator found the API
    missing = sorted(set(SCHEMA_ROUTES) - CASES.keys())
    stale = sorted(CASES.keys() - set(SCHEMA_ROUTES))
    assert not missing, f"routes without a BOLA case: {missing}"
    assert not stale, f"BOLA cases for routes that are gone: {stale}"
