from __future__ import annotations

import gettext
import importlib
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from marketplace.models import Role, User
from tests.builders import make_user


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile locale/*/LC_MESSAGES/django.po to .mo, as `make install` does, so that a
    plain `pytest` reads the current translations. compilemessages skips a catalogue whose
    .mo is newer than its .po, so this costs nothing when they are built already."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    call_command("compilemessages", ignore_patterns=[".venv", "node_modules"], verbosity=0)
    # forget catalogues read before they were compiled (Django's and the gettext module's;
    # private module state, so neither django-stubs nor typeshed declares it)
    trans_real._translations = {}  # type: ignore[attr-defined]
    trans_real._default = None  # type: ignore[attr-defined]
    gettext._translations.clear()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with no throttle counts (tests/settings.py: a local-memory cache)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def seller() -> User:
    return make_user(Role.SELLER)


@pytest.fixture
def owner() -> User:
    return make_user(Role.FACTORY_OWNER)


@pytest.fixture
def staff() -> User:
    return make_user(Role.STAFF)


@pytest.fixture
def seller_api(seller: User) -> APIClient:
    return client_for(seller)


@pytest.fixture
def owner_api(owner: User) -> APIClient:
    return client_for(owner)


@pytest.fixture
def staff_api(staff: User) -> APIClient:
    return client_for(staff)


@pytest.fixture
def category_tree(django_db_blocker: Any) -> None:
    """The category tree of the data migration. A transaction=True test ends with a flush that
    empties it, so such tests that need categories ask for this fixture."""
    from django.apps import apps

    seed = importlib.import_module("marketplace.migrations.0002_seed_categories").seed
    with django_db_blocker.unblock():
        seed(apps, None)


@pytest.fixture
def staff_user() -> User:
    """Marketplace staff with full admin rights (the demo's `staff` is a superuser too)."""
    return make_user(Role.STAFF, is_superuser=True)


@pytest.fixture
def staff_client(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    return client
