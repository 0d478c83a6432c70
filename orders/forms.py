"""Forms and labels of the seller's pages: presentation only.

Writes go through ``orders.services``; the order form checks its data with the service's own
``order_validate`` on an unsaved ``Order``, so a page shows the same messages as the API.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace.forms import LeafCategoryField, PlaceField, add_service_error
from marketplace.models import User
from marketplace.selectors import category_list
from orders.models import (
    MAX_ORDER_QUANTITY,
    Order,
    OrderEventAction,
    OrderKind,
    OrderPriority,
    OrderStatus,
    SampleDecision,
    UnmatchedReason,
)
from orders.selectors import order_list
from orders.services import ORDER_EDITABLE_FIELDS, order_validate

# The labels of the models' choices (translated when read), by value: one source, the model
STATUS_LABELS = dict(OrderStatus.choices)
KIND_LABELS = dict(OrderKind.choices)
PRIORITY_LABELS = dict(OrderPriority.choices)
SAMPLE_DECISION_LABELS = dict(SampleDecision.choices)
UNMATCHED_LABELS = dict(UnmatchedReason.choices)
ACTION_LABELS = dict(OrderEventAction.choices)


def label(labels: Mapping[Any, Any], value: str) -> Any:
    """The translatable label of a stored value (the value itself when unknown)."""
    return labels.get(value, value)


class SampleField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Order) -> str:
        return f"#{obj.pk} {obj.title} ({obj.category.display_name})"


# values an inline check puts in place of fields that are empty or unreadable, so the
# service's rules can still judge the field being edited
_PLACEHOLDERS: dict[str, Any] = {
    "title": "-",
    "quantity": MAX_ORDER_QUANTITY,
    "max_unit_price": Decimal("1.00"),
    "ship_to_city": "-",
    "ship_to_latitude": 0.0,
    "ship_to_longitude": 0.0,
    "notes": "",
    "priority": OrderPriority.NORMAL,
    "allow_split": False,
    "min_lot_quantity": 1,
    "allows_pooling": False,
    "kind": OrderKind.BULK,
    "sample": None,
    "sample_factory_required": False,
    "bulk_quantity_expected": None,
}


def _placeholder(field: str) -> Any:
    if field == "category":
        return category_list(leaf_only=True).first()
    if field == "due_date":
        return timezone.localdate() + dt.timedelta(days=7)
    return _PLACEHOLDERS[field]


class OrderForm(forms.Form):
    """A new order, or the edit of a draft or open one (``instance``)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = LeafCategoryField(
        label=_("Category"),
        empty_label=_("Choose a category"),
        help_text=_("Only the most specific categories can be ordered."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=list(KIND_LABELS.items()),
        initial=OrderKind.BULK,
        help_text=_("A sample (打样) comes first; a bulk order (大货) may follow an approved one."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ORDER_QUANTITY, "step": 1}),
    )
    max_unit_price = forms.DecimalField(
        label=_("Maximum unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01"}),
        help_text=_("The most you pay per unit, before transport."),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the goods must arrive."),
    )
    ship_to_place = PlaceField(
        label=_("Ship to (city)"),
        required=False,
        max_length=100,
        help_text=_("Type the city in Chinese or pinyin and pick it from the list."),
    )
    ship_to_city = forms.CharField(
        label=_("Other place: name"),
        max_length=100,
        required=False,
        help_text=_("Only for a place that is not in the list, with its coordinates."),
    )
    ship_to_latitude = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    ship_to_longitude = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=list(PRIORITY_LABELS.items()), initial=OrderPriority.NORMAL
    )
    allow_split = forms.BooleanField(
        label=_("Several factories may make it"),
        required=False,
        help_text=_("The order may be split into lots of at least the minimum lot."),
    )
    min_lot_quantity = forms.IntegerField(
        label=_("Minimum lot"), initial=1, widget=forms.NumberInput(attrs={"min": 1, "step": 1})
    )
    allows_pooling = forms.BooleanField(
        label=_("Allow pooling"),
        required=False,
        help_text=_(
            "Below a factory's minimum, it may be made in one lot with other sellers' orders; "
            "your price, ship-to and history stay your own."
        ),
    )
    sample = SampleField(
        label=_("Made like the sample"),
        queryset=Order.objects.none(),
        required=False,
        empty_label=_("(none)"),
        help_text=_("Your approved samples and delivered orders: its factory is preferred."),
    )
    sample_factory_required = forms.BooleanField(
        label=_("Only the sample's factory"),
        required=False,
        help_text=_("Otherwise that factory is strongly preferred."),
    )
    bulk_quantity_expected = forms.IntegerField(
        label=_("Expected bulk quantity"),
        required=False,
        min_value=1,
        max_value=MAX_ORDER_QUANTITY,
        help_text=_(
            "A sample only: the factory that makes it keeps this much capacity for your bulk "
            "order for a while."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    draft = forms.BooleanField(
        label=_("Save as a draft"),
        required=False,
        help_text=_("A draft is not matched until you open it."),
    )

    def __init__(
        self,
        *args: Any,
        seller: User,
        instance: Order | None = None,
        validate_url: str = "",
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    field: getattr(instance, field)
                    for field in ORDER_EDITABLE_FIELDS
                    if field not in ("category", "sample")
                }
                | {"category": instance.category_id, "sample": instance.sample_id},
            )
        super().__init__(*args, **kwargs)
        self.seller = seller
        self.instance = instance
        samples = order_list(seller=seller).filter(
            Q(kind=OrderKind.SAMPLE, sample_decision=SampleDecision.APPROVED)
            | Q(kind=OrderKind.BULK, status=OrderStatus.DELIVERED)
        )
        if instance is not None:
            samples = samples.exclude(pk=instance.pk)
            del self.fields["draft"]
        sample = self.fields["sample"]
        assert isinstance(sample, forms.ModelChoiceField)
        sample.queryset = samples
        if validate_url:
            # each field is checked on change: the server answers with its fragment only
            for field in self.fields.values():
                field.widget.attrs.update(
                    {
                        "hx-post": validate_url,
                        "hx-trigger": "change",
                        "hx-target": "closest .field",
                        "hx-swap": "outerHTML",
                    }
                )

    def unsaved_order(self, *, placeholders: bool = False) -> Order:
        """An Order built from the cleaned data, never saved (the edited one's copy)."""
        order = copy.copy(self.instance) if self.instance is not None else Order(seller=self.seller)
        data = getattr(self, "cleaned_data", {})
        for field in ORDER_EDITABLE_FIELDS:
            if field in data:
                setattr(order, field, data[field])
            elif placeholders and self.instance is None:
                setattr(order, field, _placeholder(field))
        if placeholders and "category" not in data and order.sample is not None:
            order.category = order.sample.category
        return order

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is not None:
            self._place_clean(cleaned)
        if not self.errors:
            try:
                order_validate(self.unsaved_order())
            except ValidationError as error:
                add_service_error(self, error)
        return cleaned

    def _place_clean(self, cleaned: dict[str, Any]) -> None:
        """The named city fills the city and its coordinates; without one, the other
        place's name and coordinates are needed (a new order), as they were typed."""
        place = cleaned.get("ship_to_place")
        if place is not None:
            cleaned["ship_to_city"] = place.city_name(get_language())
            cleaned["ship_to_latitude"] = place.latitude
            cleaned["ship_to_longitude"] = place.longitude
            return
        if "ship_to_place" in self.errors:
            return
        for field in ("ship_to_city", "ship_to_latitude", "ship_to_longitude"):
            if cleaned.get(field) in (None, "") and self.instance is None:
                self.add_error(field, _("Pick the city from the list, or fill this in."))
            elif cleaned.get(field) in (None, "") and self.instance is not None:
                cleaned[field] = getattr(self.instance, field)

    def validate_field(self, name: str) -> forms.BoundField | None:
        """Check one field with the service's rules (inline validation); None if the form
        has no such field. The rest of the form may still be incomplete."""
        if name not in self.fields:
            return None
        if not self.is_valid() and name not in self.errors:
            try:
                order_validate(self.unsaved_order(placeholders=True))
            except ValidationError as error:
                messages = getattr(error, "message_dict", {}).get(name)
                if messages:
                    self.add_error(name, messages)
        return self[name]

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the service takes it: everything for a new order, only what
        changed for an edit."""
        data = {field: self.cleaned_data[field] for field in ORDER_EDITABLE_FIELDS}
        if self.instance is None:
            return data | {"draft": self.cleaned_data.get("draft", False)}
        return {
            field: value for field, value in data.items() if getattr(self.instance, field) != value
        }


class OrderFilterForm(forms.Form):
    """The filters of the order list (GET); every field is optional."""

    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + list(STATUS_LABELS.items()),
    )
    category = LeafCategoryField(label=_("Category"), required=False, empty_label=_("Any category"))
    due_after = forms.DateField(
        label=_("Due from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_before = forms.DateField(
        label=_("Due until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CancelForm(forms.Form):
    note = forms.CharField(
        label=_("Why are you cancelling? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReorderForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    factory_required = forms.BooleanField(
        label=_("Only the same factory"),
        required=False,
        help_text=_("Otherwise that factory is strongly preferred."),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Orders file (CSV or XLSX)"),
        help_text=_("Use one of the templates above. Nothing is saved unless every row is valid."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
