"""Filters shared by the API's filter sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.utils import extend_schema_field

from marketplace.ids import ID_MAX, ID_SCHEMA, id_parse


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time turned into UTC here: PostgreSQL refuses some offsets Python
    accepts (beyond +-15:59), and a date-time out of range after the conversion is a 400."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IdField(forms.Field):
    """An id (``marketplace.ids.id_parse``); anything else is a 400 with this message."""

    default_error_messages = {"invalid": _("Enter an id: a whole number from 1 to %(max)s.")}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return id_parse(str(value).strip())
        except ValueError as exc:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"max": ID_MAX}
            ) from exc


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    """Rows whose foreign key (or primary key) is this id. A plain id: one that names no row
    the user may see (another user's, or none) finds nothing, like a missing one."""

    field_class = IdField


_ID_FILTER = {"filter_class": IdFilter}


class FilterSet(django_filters.rest_framework.FilterSet):
    """The API's filter sets (and those made from a view's ``filterset_fields``): every
    relation and primary key is an IdFilter, every date-time is read as UTC."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.AutoField: _ID_FILTER,
        models.BigAutoField: _ID_FILTER,
        models.ForeignKey: _ID_FILTER,
        models.OneToOneField: _ID_FILTER,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = FilterSet
