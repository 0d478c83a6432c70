"""Admin of production: milestones and delays (read-only, posted through the services), and
production's actions on the pages of the layers below, which production extends rather than
being imported by them: an order's delivery, samples and delays; an offer's milestones and
delays with "post the next milestone"; a factory's "recompute scores"."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from factories.admin import FactoryAdmin
from factories.models import Factory
from marketplace.admin import ReadOnlyInline, ViewOnlyAdmin, admin_user, apply_service_to_each
from marketplace.errors import Conflict
from matching.admin import AssignmentAdmin, OrderWithAssignmentsAdmin
from matching.models import Assignment
from orders.models import Order
from production.disputes import dispute_resolve
from production.models import (
    DISPUTE_RESOLUTIONS,
    Delay,
    Dispute,
    DisputePhoto,
    DisputeStatus,
    Milestone,
    StandbySwitch,
)
from production.scores import factory_scores_recompute
from production.selectors import delay_pending_for
from production.services import (
    delay_accept,
    delivery_confirm,
    milestone_post,
    next_milestone,
    sample_decide,
)


@admin.register(Milestone)
class MilestoneAdmin(ViewOnlyAdmin):
    """Posted by factories through the API; read here."""

    list_display = ("id", "assignment", "kind", "carrier", "tracking_number", "created_at")
    list_filter = ("kind",)
    search_fields = ("assignment__order__title", "tracking_number")
    raw_id_fields = ("assignment", "posted_by")


@admin.register(Delay)
class DelayAdmin(ViewOnlyAdmin):
    list_display = ("id", "assignment", "previous_finish", "new_finish", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("assignment__order__title", "assignment__factory__name", "reason")
    list_select_related = ("assignment__order", "assignment__factory")
    raw_id_fields = ("assignment", "reported_by")


@admin.register(StandbySwitch)
class StandbySwitchAdmin(ViewOnlyAdmin):
    """Standby factories proposed for late parts (production/standby.py); the seller answers."""

    list_display = ("id", "part", "trigger", "factory", "quantity", "status", "created_at")
    list_filter = ("status", "trigger")
    search_fields = ("part__order__title", "part__factory__name", "factory__name")
    list_select_related = ("part__order", "part__factory", "factory")
    raw_id_fields = ("part", "window", "factory", "offer", "decided_by")


class DisputePhotoInline(ReadOnlyInline):
    model = DisputePhoto
    fields = ("photo",)


class DisputeResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in DISPUTE_RESOLUTIONS],
    )
    refund_percent = forms.IntegerField(
        label=_("Refund share (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Of the part's price; only with an upheld dispute."),
    )
    note = forms.CharField(
        label=_("Note to both sides"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upheld = data.get("resolution") == DisputeStatus.UPHELD
        if upheld and data.get("refund_percent") is None and "refund_percent" not in self.errors:
            self.add_error("refund_percent", _("Give the refund share of an upheld dispute."))
        if not upheld and data.get("refund_percent") is not None:
            self.add_error("refund_percent", _("A refund share goes only with an upheld dispute."))
        return data


@admin.register(Dispute)
class DisputeAdmin(ViewOnlyAdmin):
    """Opened by sellers and answered by factories (API and pages); staff decide here with
    the "Resolve" action."""

    list_display = ("id", "assignment", "reason", "status", "refund_percent", "created_at")
    list_filter = ("status", "reason")
    search_fields = ("assignment__order__title", "assignment__factory__name", "text")
    list_select_related = ("assignment__order", "assignment__factory")
    raw_id_fields = ("assignment", "opened_by", "resolved_by")
    inlines = (DisputePhotoInline,)
    actions = ("resolve",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # the records stay read-only; the permission lets staff run the "resolve" action
        return obj is None and bool(request.user.is_staff)

    @admin.action(description=_("Resolve selected disputes"), permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> HttpResponse | None:
        """An intermediate page asks for the decision, the refund share (upheld) and a note;
        each selected dispute is then decided under the same rules as everywhere."""
        form = DisputeResolveForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "disputes": queryset,
                "form": form,
            }
            return TemplateResponse(request, "admin/production/dispute/resolve.html", context)
        data = form.cleaned_data
        apply_service_to_each(
            self,
            request,
            queryset,
            lambda dispute: dispute_resolve(
                dispute=dispute,
                actor=admin_user(request),
                resolution=data["resolution"],
                refund_percent=data["refund_percent"],
                note=data["note"],
            ),
            done=pgettext_lazy("admin action done", "resolved"),
            noun="dispute",
        )
        return None


class MilestoneActionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    carrier = forms.CharField(
        label=_("Carrier"),
        required=False,
        help_text=_("Needed when the next one is “shipped”."),
    )
    tracking_number = forms.CharField(label=_("Tracking number"), required=False)


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ("created_at", "kind", "note", "photo", "carrier", "tracking_number", "posted_by")


class DelayInline(ReadOnlyInline):
    model = Delay
    fields = ("created_at", "previous_finish", "new_finish", "reason", "status", "decided_at")


admin.site.unregister(Order)


@admin.register(Order)
class OrderWithProductionAdmin(OrderWithAssignmentsAdmin):
    actions = (
        *OrderWithAssignmentsAdmin.actions[:2],
        "accept_delays",
        "confirm_delivery",
        "approve_samples",
        "reject_samples",
    )

    @admin.action(description=_("Confirm delivery of selected orders"), permissions=["change"])
    def confirm_delivery(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(
            request,
            queryset,
            lambda o: delivery_confirm(order=o, actor=admin_user(request)),
            pgettext_lazy("admin action done", "confirmed delivered"),
        )

    @admin.action(description=_("Approve selected samples"), permissions=["change"])
    def approve_samples(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(
            request,
            queryset,
            lambda o: sample_decide(order=o, actor=admin_user(request), approve=True),
            pgettext_lazy("admin action done", "approved"),
        )

    @admin.action(description=_("Reject selected samples"), permissions=["change"])
    def reject_samples(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(
            request,
            queryset,
            lambda o: sample_decide(order=o, actor=admin_user(request), approve=False),
            pgettext_lazy("admin action done", "rejected"),
        )

    @admin.action(
        description=_("Accept the pending delays of selected orders"), permissions=["change"]
    )
    def accept_delays(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def accept_all(order: Order) -> object:
            pending = delay_pending_for(order=order)
            if not pending:
                raise Conflict(gettext("No delay waits for an answer."), current=order.status)
            return [delay_accept(delay=d, actor=admin_user(request)) for d in pending]

        self._apply(
            request,
            queryset,
            accept_all,
            pgettext_lazy("admin action done", "given their new finish dates"),
        )


admin.site.unregister(Assignment)


@admin.register(Assignment)
class AssignmentWithProductionAdmin(AssignmentAdmin):
    actions = (*AssignmentAdmin.actions, "post_next_milestone")
    inlines = (*AssignmentAdmin.inlines, MilestoneInline, DelayInline)

    @admin.action(
        description=_("Post the next milestone (for the factory)"), permissions=["change"]
    )
    def post_next_milestone(
        self, request: HttpRequest, queryset: QuerySet[Assignment]
    ) -> HttpResponse | None:
        """An intermediate page asks for the note (and carrier and tracking number, which a
        shipment needs); each selected part then gets its next milestone, under the API's
        rules."""
        form = MilestoneActionForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "offers": queryset, "form": form}
            return TemplateResponse(
                request, "admin/production/assignment/post_milestone.html", context
            )

        def post(part: Assignment) -> object:
            kind = next_milestone(part)
            if kind is None:
                raise Conflict(gettext("Every milestone of this part is posted already."))
            return milestone_post(
                part=part, actor=admin_user(request), kind=kind, **form.cleaned_data
            )

        apply_service_to_each(
            self,
            request,
            queryset,
            post,
            done=pgettext_lazy("admin action done", "given its next milestone"),
            noun="offer",
        )
        return None


admin.site.unregister(Factory)


@admin.register(Factory)
class FactoryWithScoresAdmin(FactoryAdmin):
    actions = (*FactoryAdmin.actions, "recompute_scores")

    @admin.action(description=_("Recompute quality and on-time scores"), permissions=["change"])
    def recompute_scores(self, request: HttpRequest, queryset: QuerySet[Factory]) -> None:
        count = factory_scores_recompute(factory_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            gettext("Scores of %(count)s factories recomputed.") % {"count": count},
            messages.SUCCESS,
        )
