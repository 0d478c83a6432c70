"""Staff pages: match runs. Start one, watch its progress bar (fed by the task's progress:
shards done, best objective so far), then read its report and charts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from marketplace.pages import call_service, seller_required, staff_required
from marketplace.request_types import AuthenticatedHttpRequest
from marketplace.throttling import MatchRunRateThrottle, QuoteRateThrottle, rate_limited
from matching.models import MatchRunTrigger
from matching.quotes import quote_compute, quote_lines, quote_order_validate
from matching.reports import (
    fill_rate_chart_svg,
    match_run_progress,
    match_run_report,
    utilisation_heatmap_svg,
)
from matching.runs import match_run_request
from matching.selectors import match_run_list
from orders.forms import OrderForm
from orders.models import OrderPriority


@staff_required
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "matching/run_list.html", {"runs": match_run_list()[:50]})


@staff_required
@require_POST
@rate_limited(MatchRunRateThrottle)
def run_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = call_service(
        request,
        lambda: match_run_request(trigger=MatchRunTrigger.MANUAL, requested_by=request.user),
    )
    if found is None:
        return redirect("staff-runs")
    run, _created = found
    return redirect("staff-run", pk=run.pk)


@staff_required
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """While the run works, its progress bar (refreshed by htmx); then its report."""
    run = get_object_or_404(match_run_list(), pk=pk)
    progress = match_run_progress(run=run)
    context = {"run": run, "progress": progress}
    if progress["status"] == "succeeded":
        report = match_run_report(run=run)
        context |= {
            "report": report,
            # our own SVG: every label in it is escaped by marketplace.charts
            "fill_chart": mark_safe(fill_rate_chart_svg(report)),
            "utilisation_chart": mark_safe(utilisation_heatmap_svg(report)),
        }
    return render(request, "matching/run_detail.html", context)


@staff_required
def run_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; once the run is finished it asks htmx to reload the page so
    the report appears (HX-Refresh)."""
    run = get_object_or_404(match_run_list(), pk=pk)
    progress = match_run_progress(run=run)
    response = render(request, "matching/_progress.html", {"run": run, "progress": progress})
    if progress["finished"]:
        response["HX-Refresh"] = "true"
    return response


# ---------------------------------------------------------------------------- instant quote

# the order form's fields a quote reads; without all of them the quote asks for them
QUOTE_FIELDS = ("category", "quantity", "max_unit_price", "due_date", "ship_to_latitude")


@seller_required
@require_POST
@rate_limited(QuoteRateThrottle)
def order_quote(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The order form's instant quote (htmx): the form as filled so far, checked with the
    order's own rules; the quote of the fields that pass, or what is still missing."""
    form = OrderForm(request.POST, seller=request.user)
    form.is_valid()
    data = form.cleaned_data
    lines: list[str] = []
    quote = None
    if all(data.get(name) not in (None, "") for name in QUOTE_FIELDS):
        fields = {
            "category": data["category"],
            "quantity": data["quantity"],
            "max_unit_price": data["max_unit_price"],
            "due_date": data["due_date"],
            "allow_split": bool(data.get("allow_split")),
            "min_lot_quantity": data.get("min_lot_quantity") or 1,
            "priority": data.get("priority") or OrderPriority.NORMAL,
            "allows_pooling": bool(data.get("allows_pooling")),
        }
        try:  # the form's own messages already stand beside the fields
            quote_order_validate(seller=request.user, **fields)
        except ValidationError:
            pass
        else:
            quote = quote_compute(
                **fields,
                latitude=data["ship_to_latitude"],
                longitude=data["ship_to_longitude"],
            )
            lines = quote_lines(quote)
    return render(request, "matching/_quote.html", {"quote": quote, "lines": lines})
