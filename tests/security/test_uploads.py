"""Upload and request size limits: too large or of the wrong type is a clean 400 or 413 (never
a 500), and nothing is saved."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from marketplace.models import Role
from matching.models import AssignmentStatus
from orders import bulk_upload
from orders.models import Order
from production.models import Milestone
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _png(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def accepted_part() -> Any:
    window = make_window(make_factory(), units_per_day=200)
    return make_assignment(make_order(quantity=300), window, status=AssignmentStatus.ACCEPTED)


def _post_photo(part: Any, name: str, content: bytes) -> Any:
    photo = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return client_for(part.factory.owner).post(
        f"/api/offers/{part.pk}/milestones/",
        {"kind": "materials_ready", "photo": photo},
        format="multipart",
    )


def test_a_request_over_the_size_limit_is_413_before_it_is_read(settings: Any) -> None:
    settings.MAX_REQUEST_BYTES = 10_000
    seller = make_user(Role.SELLER)
    body = {"title": "x" * 20_000}
    response = client_for(seller).post("/api/orders/", body, format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Order.objects.exists()


def test_a_photo_over_its_limit_is_a_400_on_photo(settings: Any, accepted_part: Any) -> None:
    settings.MILESTONE_PHOTO_MAX_BYTES = 1_000
    response = _post_photo(accepted_part, "big.png", _png(400) + b"\0" * 2_000)
    assert response.status_code == 400
    assert "photo" in response.json()
    assert not Milestone.objects.exists()


def test_a_photo_over_the_request_limit_is_a_413(settings: Any, accepted_part: Any) -> None:
    settings.MAX_REQUEST_BYTES = 50_000
    response = _post_photo(accepted_part, "huge.png", _png() + b"\0" * 100_000)
    assert response.status_code == 413
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("photo.png", b"GIF89a" + b"\0" * 100),  # not a real image behind its name
        ("photo.png", b""),
    ],
    ids=["html", "broken", "empty"],
)
def test_a_file_that_is_not_an_allowed_image_is_a_400(
    accepted_part: Any, name: str, content: bytes
) -> None:
    response = _post_photo(accepted_part, name, content)
    assert response.status_code == 400, response.content
    assert "photo" in response.json()
    assert not Milestone.objects.exists()


def test_an_allowed_photo_is_stored_under_a_random_name(accepted_part: Any, settings: Any,
                                                        tmp_path: Any) -> None:  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    response = _post_photo(accepted_part, "../../evil.html", _png())
    assert response.status_code == 201, response.content
    stored = Milestone.objects.get().photo.name
    assert stored is not None
    assert stored.endswith(".png") and "evil" not in stored and ".." not in stored


def test_a_bulk_upload_over_its_limit_is_a_form_error(monkeypatch: Any) -> None:
    monkeypatch.setattr(bulk_upload, "BULK_UPLOAD_MAX_BYTES", 100)
    client = Client()
    client.force_login(make_user(Role.SELLER))
    upload = SimpleUploadedFile("orders.csv", b"title,quantity\n" + b"x,1\n" * 100)
    response = client.post("/seller/upload/", {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Order.objects.exists()


def test_a_bulk_upload_over_the_request_limit_is_a_413(settings: Any) -> None:
    settings.MAX_REQUEST_BYTES = 10_000
    client = Client()
    client.force_login(make_user(Role.SELLER))
    upload = SimpleUploadedFile("orders.csv", b"title,quantity\n" + b"x,1\n" * 10_000)
    response = client.post("/seller/upload/", {"file": upload})
    assert response.status_code == 413
    assert not Order.objects.exists()


def test_the_request_limit_leaves_room_for_the_largest_upload(settings: Any) -> None:
    largest = max(settings.BULK_UPLOAD_MAX_BYTES, settings.MILESTONE_PHOTO_MAX_BYTES)
    assert settings.MAX_REQUEST_BYTES > largest
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_REQUEST_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_REQUEST_BYTES
