"""Ids in API requests, in filters (?factory=) and paths (/api/offers/<id>/), are positive
64-bit integers checked before any query: anything else is a 400 with the filter's message (or
a 404 for a path), never a 500. SQLite raises OverflowError beyond 64 bits; PostgreSQL does
not, so `make test` runs this module on both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters.utils import get_model_field
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from marketplace.filters import FilterBackend, IdFilter
from marketplace.ids import ID_MAX
from marketplace.models import User
from tests.builders import make_factory, make_window

pytestmark = pytest.mark.django_db

MESSAGE = "Enter an id: a whole number from 1 to 9223372036854775807."


@pytest.mark.parametrize(
    ("url", "field"),
    [
        # the URLs
        ("/api/capacity-windows/?factory=1e30", "factory"),
        ("/api/capacity-windows/?factory=99999999999999999999", "factory"),
        ("/api/capabilities/?factory=1e30", "factory"),
        ("/api/offers/?run=1e20", "run"),
        ("/api/offers/?factory=9223372036854775808", "factory"),
        ("/api/order-assignments/?order=1e20", "order"),
        ("/api/offers/1/?run=1e20", "run"),
        # and what else is not an id
        ("/api/offers/?order=0", "order"),
        ("/api/offers/?order=-3", "order"),
        ("/api/offers/?category=1.0", "category"),
        ("/api/offers/?category=seven", "category"),
        ("/api/orders/?category=99999999999999999999", "category"),
        ("/api/capabilities/?category=1e30", "category"),
        ("/api/categories/?parent=-1", "parent"),
    ],
)
def test_an_id_filter_that_is_not_an_id_is_a_400_with_the_filters_message(
    owner_api: APIClient, url: str, field: str
) -> None:
    response = owner_api.get(url)

    assert response.status_code == 400, response.content
    assert response.json() == {field: [MESSAGE]}


def test_the_message_is_in_the_readers_language(owner_api: APIClient) -> None:
    response = owner_api.get("/api/offers/?run=1e20", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json() == {"run": ["请输入编号：1 到 9223372036854775807 之间的整数。"]}


def test_an_id_filter_finds_the_rows_of_that_id_and_none_of_a_missing_one(
    owner_api: APIClient, owner: User
) -> None:
    window = make_window(make_factory(owner))
    make_window(make_factory(owner))

    def ids(factory: Any) -> list[int]:
        response = owner_api.get("/api/capacity-windows/", {"factory": factory})
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(window.factory_id) == [window.pk]
    assert ids(f" {window.factory_id} ") == [window.pk]
    assert ids(ID_MAX) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/offers/99999999999999999999/"),
        ("get", "/api/offers/9223372036854775808/"),
        ("get", "/api/offers/9223372036854775807/"),
        ("get", "/api/orders/0/"),
        ("get", "/api/orders/-1/"),
        ("patch", "/api/orders/1e20/"),
        ("post", "/api/factories/99999999999999999999/resume/"),
        ("post", "/api/notifications/9223372036854775808/read/"),
    ],
)
def test_a_path_id_that_names_no_row_is_a_json_404(
    owner_api: APIClient, method: str, path: str
) -> None:
    response = getattr(owner_api, method)(path)

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"


def _views() -> Iterator[Any]:
    def walk(patterns: list[Any]) -> Iterator[Any]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    yield from {view: None for view in walk(get_resolver().url_patterns)}


def test_every_id_filter_of_the_api_is_an_id_filter() -> None:
    """A relation or primary key filtered any other way (NumberFilter: a Decimal, so 1e30
    passes; ModelChoiceFilter) would reach the database unchecked."""
    backend = FilterBackend()
    checked = set()
    for view_class in _views():
        if not getattr(view_class, "filterset_class", None) and not getattr(
            view_class, "filterset_fields", None
        ):
            continue
        model = view_class.serializer_class.Meta.model
        filterset = backend.get_filterset_class(view_class(), model._default_manager.none())
        assert filterset is not None
        for name, found in filterset.base_filters.items():
            assert found.field_name is not None
            field = get_model_field(model, found.field_name)
            if field is not None and (field.is_relation or field.primary_key):
                assert isinstance(found, IdFilter), (view_class.__name__, name)
                checked.add((filterset.__name__, name))
    assert len(checked) >= 10, checked


def test_the_schema_documents_ids_as_positive_64_bit_integers() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    id_schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}

    def parameter(path: str, name: str) -> dict[str, Any]:
        found = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found[0]["schema"]

    assert parameter("/api/offers/{id}/", "id") == id_schema
    assert parameter("/api/offers/", "run") == id_schema
    assert parameter("/api/orders/", "category") == id_schema
