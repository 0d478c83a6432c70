"""Forms and labels of production on the pages (presentation only; the services validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.pages import shown_with
from orders.forms import label
from orders.models import MilestoneKind
from production.models import DelayStatus, Dispute, DisputeReason, DisputeStatus

MILESTONE_LABELS = dict(MilestoneKind.choices)
# a delay's status as the seller, who answers it, reads it
DELAY_LABELS = {
    DelayStatus.PENDING: _("Waiting for your answer"),
    DelayStatus.ACCEPTED: _("Accepted"),
    DelayStatus.DECLINED: _("Order cancelled instead"),
}


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Milestone"), choices=MilestoneKind.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    carrier = forms.CharField(
        label=_("Carrier"), required=False, max_length=100, help_text=_("For the shipment.")
    )
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)


class DelayForm(forms.Form):
    new_finish = forms.DateField(
        label=_("New finish date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    quality = forms.TypedChoiceField(
        label=_("Quality"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text=_("1 is poor, 5 is excellent."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SampleDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the factory (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


DISPUTE_REASON_LABELS = dict(DisputeReason.choices)
DISPUTE_STATUS_LABELS = dict(DisputeStatus.choices)


def dispute_shown(dispute: Dispute | None) -> Dispute | None:
    """A dispute with its labels in the reader's language (None stays None)."""
    if dispute is not None:
        shown_with(
            dispute,
            reason_label=label(DISPUTE_REASON_LABELS, dispute.reason),
            status_label=label(DISPUTE_STATUS_LABELS, dispute.status),
        )
    return dispute


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by the service (as milestone photos)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    text = forms.CharField(
        label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5: JPEG, PNG or WebP, at most 5 MB each."),
    )


class DisputeAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
