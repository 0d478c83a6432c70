"""Forms and labels of the offer pages (presentation only; the services validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import AssignmentStatus, DeclineReason

# an assignment's status as the seller reads it on the order page (the model's labels are
# the staff's words: "Proposed", "Superseded")
ASSIGNMENT_LABELS = {
    AssignmentStatus.PROPOSED: _("Offered, waiting for the factory"),
    AssignmentStatus.ACCEPTED: _("Accepted"),
    AssignmentStatus.DECLINED: _("Declined"),
    AssignmentStatus.EXPIRED: _("Expired"),
    AssignmentStatus.SUPERSEDED: _("Moved by a later run"),
    AssignmentStatus.WITHDRAWN: _("Withdrawn (order cancelled)"),
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
