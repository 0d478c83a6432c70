"""Forms of the pages: presentation only. Writes go through the services, whose errors are
attached to the form's fields (``add_service_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.models import Role
from marketplace.places import Place, PlaceNotFound, place_list, place_resolve
from marketplace.selectors import category_list


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service error to the form: per field where the form has it, else form-wide."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        if field in form.fields and not form.fields[field].disabled:
            form.add_error(field, field_errors)
        else:
            label = field.replace("_", " ").capitalize() if field != "__all__" else ""
            for field_error in field_errors:
                for message in field_error.messages:
                    form.add_error(None, f"{label}: {message}" if label else message)


class LeafCategoryField(forms.ModelChoiceField):
    """Leaf categories only, shown with their group, in the reader's language."""

    def __init__(self, **kwargs: Any) -> None:
        queryset = category_list(leaf_only=True).order_by("parent__name", "name")
        super().__init__(queryset=queryset, **kwargs)


class RegisterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("I am"),
        choices=[(Role.FACTORY_OWNER, _("a factory owner")), (Role.SELLER, _("a seller"))],
        widget=forms.RadioSelect,
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Notifications are emailed here.")
    )
    company_name = forms.CharField(label=_("Company"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )


class PlaceInput(forms.TextInput):
    """A text input with the gazetteer's cities as a datalist: the browser's own type-ahead,
    in the reader's language (no script needed)."""

    template_name = "marketplace/widgets/place_input.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = {**(attrs or {}), "list": f"{name}-places", "autocomplete": "off"}
        context = super().get_context(name, value, attrs)
        language = get_language()
        context["widget"]["places"] = [place.label(language) for place in place_list()]
        return context


class PlaceField(forms.CharField):
    """A city of China by name or code (marketplace/places.py), cleaned to a ``Place``."""

    widget = PlaceInput

    def clean(self, value: Any) -> Place | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return place_resolve(text)
        except PlaceNotFound as missing:
            raise ValidationError(missing.message(), code="place") from None
