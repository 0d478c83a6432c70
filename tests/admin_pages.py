"""Helpers for tests that drive the Django admin pages with the test client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.messages import get_messages
from django.db.models import Model
from django.utils.html import escape

if TYPE_CHECKING:
    # what the test client answers: a response with the context, request and json() added
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def listed(response: TestResponse) -> set[Any]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def pks(*rows: Model) -> set[Any]:
    return {row.pk for row in rows}


def messages_of(response: TestResponse) -> list[str]:
    """The messages shown on the page (a followed redirect) or set by the request."""
    if response.context and "messages" in response.context:
        return [str(message) for message in response.context["messages"]]
    return [str(message) for message in get_messages(response.wsgi_request)]


def page_errors(response: TestResponse) -> str:
    """Every error text of the admin form and its inlines, as one string."""
    texts: list[str] = []
    for error in response.context["errors"]:
        texts.extend(str(message) for message in error)
    for inline in response.context.get("inline_admin_formsets", []):
        texts.extend(str(message) for message in inline.formset.non_form_errors())
    return " | ".join(texts)


def assert_error_shown(response: TestResponse, text: str) -> None:
    """The form came back (nothing saved) with ``text`` among its errors, on the page."""
    assert response.status_code == 200
    assert text in page_errors(response)
    assert escape(text) in response.content.decode()


def _form_values(form: forms.BaseForm, data: dict[str, Any]) -> None:
    for name, field in form.fields.items():
        value = form[name].value()
        html_name = form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if value:
                data[html_name] = "on"
        elif value is not None:
            data[html_name] = field.prepare_value(value)


def form_data(response: TestResponse) -> dict[str, Any]:
    """The POST body of an admin change page sent back unchanged (with its inline rows)."""
    assert response.status_code == 200
    data: dict[str, Any] = {"_save": "Save"}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.forms:
            _form_values(form, data)
    return data


def add_inline_rows(data: dict[str, Any], prefix: str, rows: list[dict[str, Any]]) -> None:
    """Append new rows to an inline formset in ``data`` (as "Add another" does)."""
    first = int(data[f"{prefix}-TOTAL_FORMS"])
    for number, row in enumerate(rows, start=first):
        for name, value in row.items():
            data[f"{prefix}-{number}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = first + len(rows)


def readonly_values(response: TestResponse) -> dict[str, str]:
    """What the change page shows for each read-only field, by field name."""
    assert response.status_code == 200
    return {
        field.field["name"]: str(field.contents())
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }
