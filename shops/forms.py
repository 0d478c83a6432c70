"""The seller's forms for shops: a connection, a CSV export, a SKU, a stock count."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.forms import LeafCategoryField, PlaceField
from shops.models import Platform


class ShopConnectionForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=100)
    platform = forms.ChoiceField(
        label=_("Platform"),
        choices=Platform.choices,
        initial=Platform.CSV,
        help_text=_(
            "Shopify and other shops send their orders to a signed webhook; any shop can "
            "import its CSV export."
        ),
    )


class SalesCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Order export (CSV)"),
        help_text=_("Order id, SKU (商家编码), quantity and order time columns; GBK or UTF-8."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )


class SkuForm(forms.Form):
    code = forms.CharField(label=_("SKU"), max_length=100, help_text=_("As in your shop's orders."))
    title = forms.CharField(label=_("Title"), max_length=200)
    category = LeafCategoryField(label=_("Category"), empty_label=_("Choose a category"))
    max_unit_price = forms.DecimalField(
        label=_("Maximum unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        min_value=0.01,
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
    )
    ship_to_place = PlaceField(
        label=_("Ship to (city)"),
        max_length=100,
        help_text=_(
            "Your warehouse: type the city in Chinese or pinyin and pick it from the list."
        ),
    )
    lot_size = forms.IntegerField(
        label=_("Lot size"),
        min_value=1,
        max_value=1_000_000,
        initial=1,
        help_text=_("Drafted orders are whole lots."),
    )
    stock_on_hand = forms.IntegerField(
        label=_("Stock on hand"), min_value=0, max_value=2_000_000_000, initial=0
    )

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        place = data.pop("ship_to_place")
        return data | {
            "ship_to_city": place.city_name(get_language()),
            "ship_to_latitude": place.latitude,
            "ship_to_longitude": place.longitude,
        }


class StockForm(forms.Form):
    stock_on_hand = forms.IntegerField(
        label=_("Stock on hand now"), min_value=0, max_value=2_000_000_000
    )
