"""The API's router: every detail route's id is ``<id:pk>``, checked by ``id_parse``."""

from __future__ import annotations

from django.urls import register_converter
from rest_framework.routers import DefaultRouter
from rest_framework.viewsets import ViewSetMixin

from marketplace.ids import id_parse


class IdConverter:
    """A path whose id is not one (0, out of range, not digits) matches no route: a 404."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        return id_parse(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(IdConverter, "id")


class IdRouter(DefaultRouter):
    # no ".json" suffix routes (undocumented; ?format=json does the same): with path
    # converters the schema would list each route a second time
    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset: type[ViewSetMixin], lookup_prefix: str = "") -> str:
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return f"<id:{lookup_prefix}{kwarg}>"
