"""Request ids: echoed in X-Request-ID and carried by the request's log lines."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.test import Client, override_settings

from marketplace.logging import request_id_var

pytestmark = pytest.mark.django_db


def test_the_response_echoes_the_request_id_the_client_sent() -> None:
    response = Client().get("/api/", HTTP_X_REQUEST_ID="req-123.abc")
    assert response["X-Request-ID"] == "req-123.abc"


def test_a_request_without_an_id_gets_a_new_one_in_the_response() -> None:
    first = Client().get("/api/")["X-Request-ID"]
    second = Client().get("/api/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_request_id_with_spaces_or_too_long_is_replaced_by_a_new_one() -> None:
    for bad in ("two words", "x" * 200, "a\u00e9b"):
        echoed = Client().get("/api/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_a_requests_log_lines_carry_its_request_id(json_logs, closed_port: int) -> None:
    # a line Django writes after the middleware chain (404) ...
    Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")
    # ... and lines written by the view, also from the health check's threads
    url = f"redis://127.0.0.1:{closed_port}/0"
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        Client().get("/healthz", HTTP_X_REQUEST_ID="req-health")
    logging.getLogger("after").warning("outside any request")

    not_found = json_logs.matching(lambda line: line["logger"] == "django.request")
    assert [line["request_id"] for line in not_found if "Not Found" in line["message"]] == [
        "req-404"
    ]
    health = json_logs.matching(lambda line: line["logger"] == "web.health")
    assert health and {line["request_id"] for line in health} == {"req-health"}
    [after] = json_logs.matching(lambda line: line["logger"] == "after")
    assert after["request_id"] is None
    assert request_id_var.get() is None


def test_the_request_id_middleware_comes_first() -> None:
    assert settings.MIDDLEWARE[0] == "marketplace.middleware.RequestIdMiddleware"
