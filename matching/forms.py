"""Forms and labels of the offer pages and the what-if admin (presentation only; the
services validate)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from factories.models import Factory
from marketplace.forms import LeafCategoryField
from matching.counters import NOTE_MAX_LENGTH, counter_limits
from matching.models import Assignment, AssignmentStatus, DeclineReason, WhatIfKind

# an assignment's status as the seller reads it on the order page (the model's labels are
# the staff's words: "Proposed", "Superseded")
ASSIGNMENT_LABELS = {
    AssignmentStatus.PROPOSED: _("Offered, waiting for the factory"),
    AssignmentStatus.COUNTERED: _("Counter-offer to answer"),
    AssignmentStatus.COUNTER_REJECTED: _("Counter-offer rejected"),
    AssignmentStatus.COUNTER_EXPIRED: _("Counter-offer expired"),
    AssignmentStatus.ACCEPTED: _("Accepted"),
    AssignmentStatus.DECLINED: _("Declined"),
    AssignmentStatus.EXPIRED: _("Expired"),
    AssignmentStatus.SUPERSEDED: _("Moved by a later run"),
    AssignmentStatus.WITHDRAWN: _("Withdrawn (order cancelled)"),
    AssignmentStatus.SWITCHED: _("Moved to a standby factory"),
}


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the reason is “other”."),
    )


class CounterForm(forms.Form):
    """A counter-offer on the offer's page: the offer's terms to start from, the limits in
    the help texts (matching/counters.py checks them)."""

    unit_price = forms.DecimalField(
        label=_("Unit price you ask (CNY)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    planned_finish = forms.DateField(
        label=_("Finish by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note to the seller"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, offer: Assignment, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"unit_price": offer.unit_price, "planned_finish": offer.planned_finish}
        )
        super().__init__(*args, **kwargs)
        highest, latest = counter_limits(offer)
        self.fields["unit_price"].help_text = _("From %(offer)s up to %(highest)s CNY a unit.") % {
            "offer": offer.unit_price,
            "highest": highest,
        }
        self.fields["planned_finish"].help_text = _("From %(offer)s up to %(latest)s.") % {
            "offer": offer.planned_finish.isoformat(),
            "latest": latest.isoformat(),
        }


class CounterAnswerForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the factory"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WhatIfForm(forms.Form):
    """A what-if in the admin: the API's fields (matching/whatif.py checks them)."""

    kind = forms.ChoiceField(label=_("Scenario"), choices=WhatIfKind.choices)
    factory = forms.ModelChoiceField(
        label=_("Factory"),
        queryset=Factory.objects.order_by("name", "id"),
        required=False,
        help_text=_("A factory dropping out, with new capacity, or changing its prices."),
    )
    province = forms.CharField(
        label=_("Province"),
        max_length=100,
        required=False,
        help_text=_("Instead of a factory: every factory of the province drops out."),
    )
    category = LeafCategoryField(
        label=_("Category"),
        required=False,
        help_text=_("Demand up, new capacity, or a price change in this category."),
    )
    percent = forms.IntegerField(
        label=_("Percent"),
        required=False,
        min_value=-1000,
        max_value=100_000,
        help_text=_("Demand up: 1 to 1000. Price change: -90 to 1000."),
    )
    units_per_day = forms.IntegerField(
        label=_("Units per day"), required=False, min_value=1, max_value=1_000_000
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Dropping out: the first day without the factory. Demand: orders due from."),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day (included)."),
    )

    def values(self) -> dict[str, object]:
        """The cleaned fields as the service takes them (rows as ids)."""
        data = dict(self.cleaned_data)
        data.pop("kind", None)
        for name in ("factory", "category"):
            if data.get(name) is not None:
                data[name] = data[name].pk
        return data
