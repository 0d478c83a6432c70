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
from production.models import Delay, Milestone
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
