"""Admin for match runs and assignments: read-only records, plus "Run matching now"."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

from marketplace.admin import (
    ReadOnlyInline,
    ViewOnlyAdmin,
    admin_user,
    apply_service_to_each,
    call_reporting_broker_errors,
)
from marketplace.forms import add_service_error
from matching.forms import WhatIfForm
from matching.models import (
    Assignment,
    Counter,
    DeclineReason,
    MatchRun,
    MatchRunTrigger,
    PriceGuidance,
    SolverStatus,
    WhatIf,
)
from matching.offers import offer_accept, offer_decline
from matching.runs import MatchRunRequestOutcome, match_run_queue
from matching.whatif import what_if_describe, what_if_request
from orders.admin import OrderAdmin
from orders.models import Order, UnmatchedReason


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


@admin.register(Counter)
class CounterAdmin(ViewOnlyAdmin):
    """Counter-offers factories made to offers (matching/counters.py); the seller answers
    them on the order's page or through the API. Read here."""

    list_display = (
        "id",
        "assignment",
        "offer_unit_price",
        "unit_price",
        "offer_finish",
        "planned_finish",
        "state_display",
        "created_at",
        "expires_at",
        "answered_at",
    )
    list_filter = ("assignment__status",)
    search_fields = ("assignment__order__title", "assignment__factory__name", "note")
    list_select_related = ("assignment__order", "assignment__factory")
    raw_id_fields = ("assignment", "created_by")

    @admin.display(description=_("state"))
    def state_display(self, counter: Counter) -> str:
        return counter.state_label


@admin.register(PriceGuidance)
class PriceGuidanceAdmin(ViewOnlyAdmin):
    """The latest run's price guidance (matching/guidance.py): per window with idle room, the
    unit prices at which the orders lost on price would have fitted. Read here."""

    list_display = (
        "id",
        "run",
        "factory",
        "window",
        "current_unit_price",
        "idle_units",
        "unit_price",
        "orders",
        "units",
        "created_at",
    )
    list_filter = ("window__category",)
    search_fields = ("factory__name",)
    list_select_related = ("run", "factory", "window", "window__factory", "window__category")
    raw_id_fields = ("run", "factory", "window")


class CounterInline(ReadOnlyInline):
    model = Counter
    fields = (
        "created_at",
        "offer_unit_price",
        "unit_price",
        "offer_finish",
        "planned_finish",
        "note",
        "expires_at",
        "answered_at",
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
        "pool_key",
    )
    list_filter = ("status", RecentRunFilter, "factory__province")
    inlines: ClassVar[tuple[type[admin.options.InlineModelAdmin[Any, Any]], ...]] = (CounterInline,)
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
                    ("planned_start", "planned_finish", "pool_key"),
                )
            },
        ),
        (
            _("Answer"),
            {
                "fields": (
                    ("expires_at", "responded_at", "window_load"),
                    ("decline_reason", "decline_note"),
                )
            },
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
        "window_load",
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


# --- what-ifs ----------------------------------------------------------------------------


def _cny(fen: int | None) -> str:
    return "-" if fen is None else f"{fen / 100:,.2f}"


def _signed(value: float | None, text: str) -> str:
    return text if value is None or value <= 0 else f"+{text}"


def _reason_label(code: str) -> str:
    return str(UnmatchedReason(code).label) if code in UnmatchedReason.values else code


def _table(head: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "-"
    header = format_html_join("", "<th>{}</th>", ((title,) for title in head))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header, body)


@admin.register(WhatIf)
class WhatIfAdmin(ViewOnlyAdmin):
    """What-ifs on live data: staff ask for one (the add form), the worker solves it on a
    snapshot next to the current plan, and its page shows the difference."""

    list_display = (
        "id",
        "kind",
        "scenario",
        "status",
        "requested_by",
        "created_at",
        "losing_count",
        "unmatched_count",
        "cost_change",
    )
    list_filter = ("status", "kind")
    list_select_related = ("requested_by",)
    fieldsets = (
        (
            _("What-if"),
            {
                "fields": (
                    ("kind", "status", "requested_by"),
                    "scenario",
                    ("created_at", "started_at", "finished_at"),
                    "error",
                )
            },
        ),
        (_("Cost and fill"), {"fields": ("totals_table",)}),
        (_("Orders that lose their factory"), {"fields": ("losing_table",)}),
        (_("New unmatched orders"), {"fields": ("unmatched_table", "extra_demand")}),
        (_("Offers that would move"), {"fields": ("moved_table",)}),
        (_("Orders matched only in the scenario"), {"fields": ("newly_matched_list",)}),
    )
    readonly_fields = (
        "kind",
        "status",
        "requested_by",
        "scenario",
        "created_at",
        "started_at",
        "finished_at",
        "error",
        "totals_table",
        "losing_table",
        "unmatched_table",
        "extra_demand",
        "moved_table",
        "newly_matched_list",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # whoever may read what-ifs may ask for one: it writes nothing live
        return self.has_view_permission(request)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WhatIfForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                what_if = what_if_request(
                    kind=form.cleaned_data["kind"],
                    values=form.values(),
                    requested_by=admin_user(request),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except BrokerError as exc:
                self.message_user(
                    request,
                    gettext(
                        "The what-if was saved, but it could not be sent to the Celery worker "
                        "(%(error)s). It stays queued; Celery beat sends it again once Redis "
                        "is reachable."
                    )
                    % {"error": exc},
                    messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:matching_whatif_changelist"))
            else:
                self.message_user(
                    request,
                    gettext("What-if #%(what_if)s queued; its result shows here once solved.")
                    % {"what_if": what_if.pk},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:matching_whatif_change", args=(what_if.pk,))
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Try a what-if"),
            "opts": self.opts,
            "form": form,
            "has_view_permission": True,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/matching/whatif/add_form.html", context)

    @admin.display(description=_("scenario"))
    def scenario(self, what_if: WhatIf) -> str:
        return what_if_describe(what_if)

    @admin.display(description=_("orders losing their factory"))
    def losing_count(self, what_if: WhatIf) -> object:
        return what_if.result.get("orders_losing_factory_count", "-")

    @admin.display(description=_("new unmatched orders"))
    def unmatched_count(self, what_if: WhatIf) -> object:
        return what_if.result.get("new_unmatched_count", "-")

    @admin.display(description=_("cost change (CNY)"))
    def cost_change(self, what_if: WhatIf) -> str:
        change = what_if.result.get("change")
        if not change:
            return "-"
        fen = change["production_cost_fen"] + change["transport_cost_fen"]
        return _signed(fen, _cny(fen))

    def _order(self, what_if: WhatIf, order_id: int) -> str:
        url = reverse("admin:orders_order_change", args=(order_id,))
        title = what_if.result.get("order_titles", {}).get(str(order_id), "")
        return format_html('<a href="{}">#{}</a> {}', url, order_id, title)

    def _factories(self, what_if: WhatIf, ids: list[int]) -> str:
        names = what_if.result.get("factory_names", {})
        return ", ".join(f"{names.get(str(pk), '')} (#{pk})" for pk in ids)

    @admin.display(description=_("current plan and scenario"))
    def totals_table(self, what_if: WhatIf) -> str:
        result = what_if.result
        if "baseline" not in result:
            return "-"
        before, after, change = result["baseline"], result["scenario"], result["change"]
        rows: list[tuple[Any, ...]] = []
        for key, label, money in (
            ("matched_orders", _("orders matched"), False),
            ("matched_units", _("units matched"), False),
            ("production_cost_fen", _("production cost (CNY)"), True),
            ("transport_cost_fen", _("transport cost (CNY)"), True),
            ("capacity_units", _("window units"), False),
            ("used_units", _("window units used"), False),
            ("fill_percent", _("fill (%)"), False),
        ):
            show = _cny if money else (lambda v: "-" if v is None else f"{v:,}")
            delta = change.get(key)
            rows.append((label, show(before[key]), show(after[key]), _signed(delta, show(delta))))
        rows.append(
            (
                _("solver status"),
                SolverStatus.label_of(before["solver_status"]),
                SolverStatus.label_of(after["solver_status"]),
                "",
            )
        )
        head = (_("figure"), _("current plan"), _("scenario"), _("change"))
        return _table(head, rows)

    @admin.display(description=_("orders"))
    def losing_table(self, what_if: WhatIf) -> str:
        rows = [
            (
                self._order(what_if, row["order"]),
                self._factories(what_if, row["from"]),
                self._factories(what_if, row["to"]) or _reason_label(row["reason"]) or "-",
            )
            for row in what_if.result.get("orders_losing_factory", [])
        ]
        return _table((_("order"), _("loses"), _("goes to, or why unmatched")), rows)

    @admin.display(description=_("orders"))
    def unmatched_table(self, what_if: WhatIf) -> str:
        rows = [
            (self._order(what_if, row["order"]), _reason_label(row["reason"]))
            for row in what_if.result.get("new_unmatched", [])
        ]
        return _table((_("order"), _("reason")), rows)

    @admin.display(description=_("extra demand"))
    def extra_demand(self, what_if: WhatIf) -> str:
        result = what_if.result
        if not result.get("extra_orders"):
            return "-"
        left = ", ".join(
            f"{_reason_label(reason)}: {count}"
            for reason, count in result["extra_unmatched_by_reason"].items()
        )
        return gettext(
            "%(orders)s extra orders of %(units)s units; %(matched)s units matched. "
            "Unmatched: %(left)s"
        ) % {
            "orders": result["extra_orders"],
            "units": result["extra_units"],
            "matched": result["scenario"]["extra_matched_units"],
            "left": left or "-",
        }

    @admin.display(description=_("offers"))
    def moved_table(self, what_if: WhatIf) -> str:
        rows = [
            (
                self._order(what_if, row["order"]),
                self._factories(what_if, row["from"]),
                self._factories(what_if, row["to"]) or _reason_label(row["reason"]) or "-",
            )
            for row in what_if.result.get("moved_offers", [])
        ]
        return _table((_("order"), _("offered to"), _("would move to")), rows)

    @admin.display(description=_("orders"))
    def newly_matched_list(self, what_if: WhatIf) -> str:
        ids = what_if.result.get("newly_matched", [])
        if not ids:
            return "-"
        return format_html_join(", ", "{}", ((self._order(what_if, pk),) for pk in ids))
