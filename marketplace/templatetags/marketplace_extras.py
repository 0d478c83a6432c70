"""Small template filters of the pages."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.1234 -> "12.3%" (localised decimal separator); empty for None."""
    if value is None or value == "":
        return ""
    return f"{floatformat(float(value) * 100, digits)}%"
