"""URL names: each names one route, so that `{% url %}` and reverse() lead where they say.
Pages and the API once shared names (`register`, `factory-list`) and the later route won:
the sign-up links led to the API. The API's names now live in the `api:` namespace."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.builders import make_user

pytestmark = pytest.mark.django_db

Route = tuple[str, frozenset[str], str]  # full name, argument names, route


def argument_names(entry: URLPattern | URLResolver) -> frozenset[str]:
    pattern = entry.pattern
    converters = getattr(pattern, "converters", None)
    if converters:
        return frozenset(converters)
    return frozenset(pattern.regex.groupindex)


def named_routes(
    entries: Sequence[URLPattern | URLResolver],
    namespace: str = "",
    arguments: frozenset[str] = frozenset(),
    prefix: str = "",
) -> Iterator[Route]:
    """Every named route of the URLconf, with its namespaces and all its arguments."""
    for entry in entries:
        found = arguments | argument_names(entry)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner, found, route)
        elif entry.name:
            yield f"{namespace}{entry.name}", found, route


def test_no_two_routes_share_a_url_name() -> None:
    """reverse() of a shared name (with the same arguments) silently picks one route. DRF's
    format-suffix routes (`/api/orders.json`) share their route's name on purpose: they take
    a `format` argument the plain route does not, so the name and arguments still pick one."""
    routes: dict[tuple[str, frozenset[str]], list[str]] = defaultdict(list)
    for name, arguments, route in named_routes(get_resolver().url_patterns):
        routes[name, arguments].append(route)

    shared = {name: found for (name, _), found in routes.items() if len(found) > 1}

    assert shared == {}
    assert len(routes) > 100  # the walk reached the admin, the pages and the API


def test_api_names_are_in_the_api_namespace() -> None:
    assert reverse("register") == "/register/"
    assert reverse("api:register") == "/api/auth/register/"
    assert reverse("factory-list") == "/factory/factories/"
    assert reverse("api:factory-list") == "/api/factories/"
    assert reverse("api:api-root") == "/api/"
    assert reverse("rest_framework:login") == "/api/auth/login/"


def link(html: str, text: str) -> str:
    """The href of the link that reads ``text`` (the English pages)."""
    found = re.search(rf'<a[^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', html)
    assert found, f"no link {text!r}"
    return found.group(1)


@pytest.mark.parametrize(
    ("page", "text"),
    [
        ("/", "Register"),  # the header
        ("/", "Register as a factory or a seller"),
        ("/login/", "No account yet? Register"),
    ],
)
def test_the_sign_up_links_lead_to_the_sign_up_page(client: Client, page: str, text: str) -> None:
    href = link(client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode(), text)

    response = client.get(href)

    assert href == "/register/"
    assert response.status_code == 200
    assert "marketplace/register.html" in [t.name for t in response.templates]


def test_the_my_factories_link_leads_to_the_factory_list(client: Client) -> None:
    client.force_login(make_user("factory_owner"))
    href = link(client.get("/factory/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), "My factories")

    response = client.get(href)

    assert href == "/factory/factories/"
    assert "factories/factory_list.html" in [t.name for t in response.templates]


def test_drf_and_the_schema_still_work_under_the_namespace(client: Client) -> None:
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs_script = client.get(reverse("api:swagger-ui"), {"script": ""})  # Swagger UI's set-up
    client.force_login(make_user("seller"))
    root = client.get(reverse("api:api-root"), HTTP_ACCEPT="application/json")
    browsable = client.get(reverse("api:api-root"), HTTP_ACCEPT="text/html")

    assert schema.status_code == 200
    assert {"/api/auth/register/", "/api/factories/", "/api/orders/"} <= set(schema.json()["paths"])
    assert b'"/api/schema/"' in docs_script.content
    assert root.json()["factories"].endswith("/api/factories/")
    assert b'action="/api/auth/logout/' in browsable.content  # DRF's session log-out form
