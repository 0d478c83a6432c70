"""Forms of the factory owner's pages (presentation only; the services validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from factories.models import Factory
from marketplace.forms import LeafCategoryField, PlaceField
from marketplace.models import User

PLACE_FIELDS = ("city", "province", "latitude", "longitude")


class FactoryForm(forms.ModelForm):
    place = PlaceField(
        label=_("City"),
        required=False,
        max_length=100,
        help_text=_("Type the city in Chinese or pinyin and pick it from the list."),
    )
    certifications = forms.CharField(
        label=_("Certifications"),
        required=False,
        help_text=_("Comma-separated, e.g. ISO 9001, BSCI, OEKO-TEX."),
    )

    class Meta:
        model = Factory
        fields = [
            "name",
            "description",
            "place",
            "city",
            "province",
            "latitude",
            "longitude",
            "min_order_quantity",
            "max_order_quantity",
            "certifications",
            "active",
        ]
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "city": _("Other place: city"),
            "province": _("Province"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "min_order_quantity": _("Smallest order (units)"),
            "max_order_quantity": _("Largest order (units)"),
            "active": _("Receives offers"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["certifications"] = ", ".join(self.instance.certifications)
        for field in PLACE_FIELDS:  # filled from the city picked from the list
            self.fields[field].required = False
        self.fields["city"].help_text = _(
            "Only for a place that is not in the list, with its province and coordinates."
        )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None:
            return None
        place = cleaned.pop("place", None)
        if place is not None:
            cleaned["city"] = place.city_name(get_language())
            cleaned["province"] = place.province_name(get_language())
            cleaned["latitude"], cleaned["longitude"] = place.latitude, place.longitude
        elif "place" not in self.errors:
            for field in PLACE_FIELDS:
                if cleaned.get(field) in (None, ""):
                    self.add_error(field, _("Pick the city from the list, or fill this in."))
        return cleaned

    def _post_clean(self) -> None:
        """No model validation here: the service validates (with the API's messages)."""

    def clean_certifications(self) -> list[str]:
        raw = self.cleaned_data.get("certifications") or ""
        return [part.strip() for part in raw.split(",") if part.strip()]


class CapabilityForm(forms.Form):
    category = LeafCategoryField(label=_("Category"))
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"), max_digits=10, decimal_places=2, min_value=0
    )
    daily_output = forms.IntegerField(label=_("Daily output (units)"), min_value=1)


class CapacityWindowForm(forms.Form):
    factory = forms.ModelChoiceField(queryset=Factory.objects.none(), label=_("Factory"))
    category = LeafCategoryField(label=_("Category"))
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    units_per_day = forms.IntegerField(label=_("Units per day"), min_value=1)

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        factory = self.fields["factory"]
        assert isinstance(factory, forms.ModelChoiceField)
        factory.queryset = Factory.objects.filter(owner=owner).order_by("name")


class WindowChangeForm(forms.Form):
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    units_per_day = forms.IntegerField(label=_("Units per day"), min_value=1)
