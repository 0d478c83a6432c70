from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace.models import Role, User
from tests.builders import make_user


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
