"""Admin for match runs and assignments: read-only records, plus "Run matching now"."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from marketplace.admin import (
    ViewOnlyAdmin,
    admin_user,
    apply_service_to_each,
    call_reporting_broker_errors,
)
from matching.models import Assignment, DeclineReason, MatchRun, MatchRunTrigger, SolverStatus
from matching.offers import offer_accept, offer_decline
from matching.runs import MatchRunRequestOutcome, match_run_queue
from orders.admin import OrderAdmin
from orders.models import Order


def _seconds(value: float | None) -> str:
    return "-" if value is None else gettext("%(seconds)s s") % {"seconds": f"{value:.2f}"}


# the shard table's columns: the keys of MatchRun.shard_stats entries, and their headers
SHARD_COLUMNS = {
    "shard": _("shard"),
    "orders": _("orders"),
    "windows": _("windows"),
    "pairs": _("pairs"),
    "matched_orders": _("matched orders"),
    "status": _("solver status"),
    "objective": _("objective"),
    "bound": _("bound"),
    "value": _("value"),
    "value_bound": _("bound on the value"),
    "gap": _("gap"),
    "seconds": _("seconds"),
    "worker": _("worker"),
}


class ReadOnlyAssignmentInline(admin.TabularInline):
    """Assignments are written by match runs and by offer responses, never here."""

    model = Assignment
    extra = 0
    can_delete = False
    show_change_link = True
    fields: ClassVar[tuple[str, ...]] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return (
            super()
            .get_queryset(request)
            .select_related("run", "order", "factory", "window__factory", "window__category")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RunAssignmentInline(ReadOnlyAssignmentInline):
    verbose_name_plural = _("assignments proposed by this run")
    fields = (
        "order",
        "factory",
        "window",
        "quantity",
        "unit_price",
        "transport_days",
        "transport_cost",
        "planned_start",
        "planned_finish",
        "status",
    )


class OrderAssignmentInline(ReadOnlyAssignmentInline):
    """Under an order (OrderWithAssignmentsAdmin below): its offers, newest first."""

    verbose_name_plural = _("assignments (offers) for this order")
    fields = (
        "run",
        "factory",
        "window",
        "quantity",
        "unit_price",
        "transport_days",
        "transport_cost",
        "planned_start",
        "planned_finish",
        "status",
    )


# The order's admin page with the assignments runs made of it: matching sits above orders,
# so it extends the order's admin rather than orders importing matching.
admin.site.unregister(Order)


@admin.register(Order)
class OrderWithAssignmentsAdmin(OrderAdmin):
    def get_inlines(self, request: HttpRequest, obj: Order | None) -> Any:
        inlines = super().get_inlines(request, obj)
        return () if obj is None else (OrderAssignmentInline, *inlines)


class RecentRunFilter(admin.SimpleListFilter):
    """The latest runs that proposed something (all runs would be a very long list)."""

    title = _("match run")
    parameter_name = "run__id__exact"
    shown = 15

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        runs = list(
            MatchRun.objects.filter(assignments__isnull=False)
            .distinct()
            .order_by("-pk")
            .values_list("pk", flat=True)[: self.shown]
        )
        selected = self.value()
        if selected and selected.isdigit() and int(selected) not in runs:
            runs.insert(0, int(selected))
        return [(str(pk), f"#{pk}") for pk in runs]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Assignment]
    ) -> QuerySet[Assignment]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(run_id=int(value))
        return queryset


def _shard_cell(shard: dict, column: str) -> object:
    """One cell of a run's shard table: the solver status in words, other values as stored."""
    value = shard.get(column, "")
    return SolverStatus.label_of(value) if column == "status" else value


@admin.register(MatchRun)
class MatchRunAdmin(ViewOnlyAdmin):
    change_list_template = "admin/matching/matchrun/change_list.html"
    list_display = (
        "id",
        "status",
        "trigger",
        "requested_by",
        "created_at",
        "duration",
        "open_orders",
        "matched_orders",
        "matched_units",
        "gap_percent",
        "solver_status",
    )
    list_filter = ("status", "trigger", "solver_status")
    # a run by its number, by who asked for it, or by words of its error
    search_fields = ("=id", "requested_by__username", "error")
    list_select_related = ("requested_by",)
    date_hierarchy = "created_at"
    actions = ("run_matching_now",)
    inlines = (RunAssignmentInline,)
    fieldsets = (
        (
            _("Run"),
            {
                "fields": (
                    ("status", "trigger", "requested_by"),
                    ("created_at", "started_at", "finished_at", "duration"),
                    ("task_id", "attempts"),
                )
            },
        ),
        (
            _("Timing (seconds per phase)"),
            {
                "fields": (
                    "time_limit_seconds",
                    ("load_seconds", "build_seconds", "solve_seconds", "write_seconds"),
                )
            },
        ),
        (
            _("Results"),
            {
                "fields": (
                    ("open_orders", "candidate_pairs"),
                    ("matched_orders", "matched_units", "assignment_list"),
                    "moved_offers",
                    ("production_cost", "transport_cost"),
                )
            },
        ),
        (
            _("Solver"),
            {
                "fields": (
                    "solver_status",
                    ("objective", "best_bound"),
                    ("value", "value_bound", "gap_percent"),
                )
            },
        ),
        (_("Shards"), {"fields": ("shard_table",)}),
        (_("Error"), {"fields": ("error",)}),
    )
    readonly_fields = (
        "shard_table",
        "status",
        "trigger",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "task_id",
        "attempts",
        "time_limit_seconds",
        "load_seconds",
        "build_seconds",
        "solve_seconds",
        "write_seconds",
        "open_orders",
        "candidate_pairs",
        "matched_orders",
        "matched_units",
        "moved_offers",
        "assignment_list",
        "production_cost",
        "transport_cost",
        "solver_status",
        "objective",
        "best_bound",
        "value",
        "value_bound",
        "gap_percent",
        "error",
    )

    @admin.display(description=_("per shard"))
    def shard_table(self, run: MatchRun) -> str:
        """Size, time, status, bound and gap of each shard, and the worker that solved it."""
        if not run.shard_stats:
            return "-"
        head = format_html_join("", "<th>{}</th>", ((title,) for title in SHARD_COLUMNS.values()))
        columns = tuple(SHARD_COLUMNS)
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((_shard_cell(shard, c),) for c in columns)),)
                for shard in run.shard_stats
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)

    def get_urls(self) -> list[URLPattern]:
        run_now = path(
            "run-now/",
            self.admin_site.admin_view(self.run_now_view),
            name="matching_matchrun_run_now",
        )
        return [run_now, *super().get_urls()]

    def run_now_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        self._request_run(request)
        return HttpResponseRedirect(reverse("admin:matching_matchrun_changelist"))

    @admin.action(description=_("Run matching now"), permissions=["view"])
    def run_matching_now(self, request: HttpRequest, queryset: QuerySet[MatchRun]) -> None:
        # an action needs a selection, but a run always covers all open orders
        self._request_run(request)

    def _request_run(self, request: HttpRequest) -> None:
        result = call_reporting_broker_errors(
            self,
            request,
            lambda: match_run_queue(
                trigger=MatchRunTrigger.ADMIN, requested_by=admin_user(request)
            ),
            done=_("A match run was queued"),
        )
        if result is None:
            return
        run, outcome = result
        match outcome:
            case MatchRunRequestOutcome.QUEUED:
                text, level = gettext("Match run #%(run)s queued"), messages.SUCCESS
            case MatchRunRequestOutcome.STARTED_NOW:
                text = gettext("Match run #%(run)s was queued automatically; it was started now")
                level = messages.SUCCESS
            case MatchRunRequestOutcome.ALREADY_QUEUED:
                text, level = gettext("Match run #%(run)s is already queued"), messages.WARNING
        self.message_user(request, text % {"run": run.pk}, level)

    @admin.display(description=_("duration"))
    def duration(self, run: MatchRun) -> str:
        seconds = run.duration_seconds
        return "-" if seconds is None else _seconds(seconds)

    @admin.display(description=_("gap"), ordering="gap")
    def gap_percent(self, run: MatchRun) -> str:
        return "-" if run.gap is None else f"{run.gap:.2%}"

    @admin.display(description=_("assignments"))
    def assignment_list(self, run: MatchRun) -> str:
        url = reverse("admin:matching_assignment_changelist")
        count = run.assignments.count()
        text = ngettext("%(count)s assignment", "%(count)s assignments", count) % {"count": count}
        return format_html(
            '<a href="{}?{}={}">{}</a>', url, RecentRunFilter.parameter_name, run.pk, text
        )


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyAdmin):
    """Offers and the factories' parts of orders. Staff answer offers for a factory with the
    actions, under the same rules as the API."""

    list_display = (
        "id",
        "run",
        "order",
        "factory",
        "window",
        "quantity",
        "unit_price",
        "transport_days",
        "transport_cost",
        "planned_start",
        "planned_finish",
        "status",
    )
    list_filter = ("status", RecentRunFilter, "factory__province")
    # production/admin.py adds the milestones, the delays and "post the next milestone"
    actions: tuple[str, ...] = ("accept_offers", "decline_offers")
    search_fields = ("order__title", "factory__name", "factory__city", "order__seller__username")
    list_select_related = ("run", "order", "factory", "window__factory", "window__category")
    raw_id_fields = ("run", "order", "factory", "window")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": (("run", "status"), "order", ("factory", "window"))}),
        (
            _("Plan"),
            {
                "fields": (
                    ("quantity", "unit_price", "production_cost_display"),
                    ("distance_km", "transport_days", "transport_cost"),
                    ("planned_start", "planned_finish"),
                )
            },
        ),
        (
            _("Answer"),
            {"fields": (("expires_at", "responded_at"), ("decline_reason", "decline_note"))},
        ),
        (
            _("Production and delivery"),
            {
                "fields": (
                    ("promised_finish", "shipped_on", "delivered_on", "on_time"),
                    ("quality_rating", "rating_comment"),
                )
            },
        ),
        (_("Record"), {"fields": (("created_at", "updated_at"),)}),
    )
    readonly_fields = (
        "expires_at",
        "responded_at",
        "decline_reason",
        "decline_note",
        "promised_finish",
        "shipped_on",
        "delivered_on",
        "on_time",
        "quality_rating",
        "rating_comment",
        "run",
        "status",
        "order",
        "factory",
        "window",
        "quantity",
        "unit_price",
        "production_cost_display",
        "distance_km",
        "transport_days",
        "transport_cost",
        "planned_start",
        "planned_finish",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("production cost (CNY)"))
    def production_cost_display(self, assignment: Assignment) -> str:
        return f"{assignment.production_cost:,.2f}"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the actions answer offers; the rows themselves stay read-only
        return obj is None and super(ViewOnlyAdmin, self).has_change_permission(request, obj)

    @admin.action(description=_("Accept selected offers (for the factory)"), permissions=["change"])
    def accept_offers(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        apply_service_to_each(
            self,
            request,
            queryset,
            lambda offer: offer_accept(offer=offer, actor=admin_user(request)),
            done=pgettext_lazy("admin action done", "accepted"),
            noun="offer",
        )

    @admin.action(
        description=_("Decline selected offers (for the factory)"), permissions=["change"]
    )
    def decline_offers(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        apply_service_to_each(
            self,
            request,
            queryset,
            lambda offer: offer_decline(
                offer=offer,
                actor=admin_user(request),
                reason=DeclineReason.OTHER,
                note=gettext("Declined for the factory by %(user)s (staff).")
                % {"user": request.user.get_username()},
            ),
            done=pgettext_lazy("admin action done", "declined"),
            noun="offer",
        )
