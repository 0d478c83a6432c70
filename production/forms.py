"""Forms and labels of production on the pages (presentation only; the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import MilestoneKind
from production.models import DelayStatus

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
