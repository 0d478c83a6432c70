"""schemathesis against /api/schema/: for every operation, signed in as each role, generated
requests (valid and invalid ones) go through the whole WSGI app in this process. No answer may
be a server error, and every answer must be documented: its status code, content type and body
schema (checks below). Bounded and deterministic: a few examples per operation and role,
derandomized, no example database.

Half the generated cases use an id of the signed-in user's own object in the path (their
order, offer, factory...), so that the operations really run (edits, state changes, 409s)
instead of stopping at 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.conftest import ROLES, World, build_world

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(same_connection: None) -> schemathesis.BaseSchema:
    """The schema as /api/schema/ serves it, bound to the WSGI app."""
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _operations() -> list[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(m.upper(), p) for p, ops in schema["paths"].items() for m in ops]


@pytest.fixture(scope="module")
def same_connection() -> Iterator[None]:
    """Requests run inside the test's transaction, as with Django's test client: the
    handler must not close the connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _own_id(world: World, path: str) -> Any:
    """An id in ``path`` of an object the signed-in user may act on (else None)."""
    own = world.own
    by_prefix = {
        "/api/factories/": own.get("factory"),
        "/api/capabilities/": own.get("capability"),
        "/api/capacity-windows/": own.get("window"),
        "/api/offers/": own.get("offer"),
        "/api/orders/": own.get("order"),
        "/api/order-assignments/": own.get("assignment"),
        "/api/notifications/": own.get("notification"),
        "/api/match-runs/": world.run,
        "/api/what-ifs/": world.what_if,
        "/api/categories/": world.capability.category,
    }
    for prefix, row in by_prefix.items():
        if path.startswith(prefix) and row is not None:
            return row.pk
    return None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: v)
def test_generated_requests_get_documented_answers_and_no_server_error(
    api_schema: schemathesis.BaseSchema, method: str, path: str, role: str
) -> None:
    world = build_world(role)
    token = Token.objects.create(user=world.attacker).key
    operation = api_schema[path][method]
    strategies = [
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    ]
    own_id = _own_id(world, path) if "{id}" in path else None
    if own_id is not None:
        strategies += [
            operation.as_strategy(mode, path_parameters={"id": own_id})
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        ]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case: Any) -> None:
        headers = {"Authorization": f"Token {token}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


# --- what schemathesis found, pinned down -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [("0264-09-04T18:01:27+21:01", 200), ("0001-01-01T00:00:00+01:00", 400)],
    ids=["offset-postgres-refuses", "before-year-1-in-utc"],
)
@pytest.mark.parametrize("path", ["/api/match-runs/", "/api/orders/"])
def test_date_time_filters_with_odd_offsets_are_not_a_server_error(
    staff_api: Any, path: str, value: str, code: int
) -> None:
    response = staff_api.get(path, {"created_before": value})
    assert response.status_code == code, response.content


def test_an_unknown_api_url_is_a_json_404(api: Any) -> None:
    response = api.get("/api/orders/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
