"""The seller's pages, under /seller/: dashboard, order list, order form (with inline
validation), bulk upload and the order page with its action buttons.

Every page reads through the seller-scoped selectors (another seller's order is a 404) and
writes through the same services as the API; an action the order's state does not allow
shows the service's message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.errors import Conflict
from marketplace.forms import add_service_error
from marketplace.pages import (
    call_form_service,
    call_service,
    form_errors_as_messages,
    seller_required,
    shown_with,
)
from marketplace.request_types import AuthenticatedHttpRequest
from orders import bulk_upload, services
from orders.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    CancelForm,
    OrderFilterForm,
    OrderForm,
    ReorderForm,
    UploadForm,
    label,
)
from orders.models import Order, OrderStatus
from orders.selectors import order_list

ORDERS_PER_PAGE = 25


def _posted(request: AuthenticatedHttpRequest, *, files: bool = False) -> tuple[Any, ...]:
    """A form's data: bound on POST (even an empty one), unbound on GET."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def own_order(request: AuthenticatedHttpRequest, pk: int) -> Order:
    """The seller's own order; anyone else's is a 404."""
    return get_object_or_404(order_list(seller=request.user), pk=pk)


def labelled(order: Order) -> Order:
    return shown_with(
        order,
        status_label=label(STATUS_LABELS, order.status),
        kind_label=label(KIND_LABELS, order.kind),
    )


def relax_suggestions(order: Order) -> list[str]:
    """The last run's what-to-relax suggestions (``Order.relax_suggestion``) in the user's
    language, one line each; empty when there are none."""
    suggestion = order.relax_suggestion or {}
    lines = []
    if "max_unit_price" in suggestion:
        price = number_format(suggestion["max_unit_price"], decimal_pos=2, force_grouping=True)
        lines.append(_("a maximum unit price of %(price)s CNY") % {"price": price})
    if "due_date" in suggestion:
        try:
            due = date_format(dt.date.fromisoformat(suggestion["due_date"]), "SHORT_DATE_FORMAT")
        except (TypeError, ValueError):
            due = suggestion["due_date"]
        lines.append(_("a due date of %(date)s") % {"date": due})
    if "quantity" in suggestion:
        quantity = number_format(suggestion["quantity"], force_grouping=True)
        lines.append(_("a quantity of %(quantity)s") % {"quantity": quantity})
    if suggestion.get("allow_pooling"):
        lines.append(_("pooling allowed"))
    return lines


# ---------------------------------------------------------------------------- order list


def _filtered(request: AuthenticatedHttpRequest, form: OrderFilterForm) -> QuerySet[Order]:
    orders = order_list(seller=request.user)
    if not form.is_valid():
        return orders
    data = form.cleaned_data
    if data["q"]:
        orders = orders.filter(title__icontains=data["q"].strip())
    if data["status"]:
        orders = orders.filter(status=data["status"])
    if data["category"]:
        orders = orders.filter(category=data["category"])
    if data["due_after"]:
        orders = orders.filter(due_date__gte=data["due_after"])
    if data["due_before"]:
        orders = orders.filter(due_date__lte=data["due_before"])
    return orders


@seller_required
def order_list_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    page = Paginator(_filtered(request, form), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    for order in page.object_list:
        labelled(order)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "orders/_order_table.html" if partial else "orders/order_list.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------- order form


def _field_fragment(request: AuthenticatedHttpRequest, form: OrderForm) -> HttpResponse:
    """Inline validation: only the changed field, with its errors, for htmx to swap in."""
    name = request.htmx.trigger_name or request.POST.get("_field", "")
    field = form.validate_field(name)
    if field is None:
        raise Http404(_("No such field."))
    return render(request, "marketplace/_field.html", {"field": field})


@seller_required
def order_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrderForm(*_posted(request), seller=request.user, validate_url=request.path)
    if request.method == "POST":
        if request.htmx:
            return _field_fragment(request, form)
        if form.is_valid():
            data = form.service_data()
            draft = data.pop("draft")
            order = call_form_service(
                form, lambda: services.order_create(seller=request.user, draft=draft, **data)
            )
            if order is not None:
                if order.status == OrderStatus.DRAFT:
                    messages.success(
                        request, _("Order #%(id)s is saved as a draft.") % {"id": order.pk}
                    )
                else:
                    messages.success(
                        request,
                        _("Order #%(id)s is posted; it is matched with factories shortly.")
                        % {"id": order.pk},
                    )
                return redirect("seller-order", pk=order.pk)
    return render(request, "orders/order_form.html", {"form": form, "order": None})


@seller_required
def order_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    form = OrderForm(
        *_posted(request), seller=request.user, instance=order, validate_url=request.path
    )
    if request.method == "POST":
        if request.htmx:
            return _field_fragment(request, form)
        if form.is_valid():
            changes = form.service_data()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("seller-order", pk=order.pk)
            try:
                services.order_update(order=order, data=changes, actor=request.user)
            except Conflict as error:
                messages.error(request, error.message)
                return redirect("seller-order", pk=order.pk)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Order #%(id)s is saved.") % {"id": order.pk})
                return redirect("seller-order", pk=order.pk)
    elif "edit" not in order.allowed_actions:
        messages.error(
            request,
            _("This order is %(status)s, so it cannot be edited.")
            % {"status": label(STATUS_LABELS, order.status)},
        )
        return redirect("seller-order", pk=order.pk)
    return render(request, "orders/order_form.html", {"form": form, "order": labelled(order)})


def back_to_order(order: Order) -> HttpResponse:
    return redirect(reverse("seller-order", kwargs={"pk": order.pk}))


@seller_required
@require_POST
def order_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    call_service(
        request,
        lambda: services.order_open(order=order, actor=request.user),
        done=_("The order is open; it is matched with factories shortly."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def order_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(order)
    call_service(
        request,
        lambda: services.order_cancel(
            order=order, actor=request.user, note=form.cleaned_data["note"].strip()
        ),
        done=_("The order is cancelled."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def order_reorder(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    form = ReorderForm(request.POST, auto_id="reorder-%s")
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(order)
    repeat = call_service(
        request,
        lambda: services.order_reorder(order=order, actor=request.user, **form.cleaned_data),
        done=_("The reorder is posted; it is matched with factories shortly."),
    )
    return back_to_order(repeat or order)


@seller_required
@require_POST
def order_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    deleted = call_service(
        request,
        lambda: services.order_delete(order=order) or True,
        done=_("The draft is deleted."),
    )
    if deleted:
        return redirect("seller-orders")
    return back_to_order(order)


# ---------------------------------------------------------------------------- bulk upload


def _template_language() -> str:
    return "zh" if (get_language() or "").startswith("zh") else "en"


def _field_label(field: str) -> Any:
    if not field:
        return _("Whole row")
    form_field = OrderForm.base_fields.get(field)
    return form_field.label if form_field is not None else field


@seller_required
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every row is checked first; either all orders are created or none, with every bad
    row listed (row number, field, message)."""
    form = UploadForm(*_posted(request, files=True))
    context: dict[str, Any] = {"form": form, "max_rows": bulk_upload.BULK_UPLOAD_MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = bulk_upload.bulk_upload_create(
                seller=request.user, data=upload_file.read(), filename=upload_file.name
            )
        except bulk_upload.BulkUploadError as error:
            form.add_error("file", error.message)
        else:
            if result.ok:
                count = result.created_count
                messages.success(
                    request,
                    ngettext(
                        "%(count)s order created; it is matched with factories shortly.",
                        "%(count)s orders created; they are matched with factories shortly.",
                        count,
                    )
                    % {"count": number_format(count, force_grouping=True)},
                )
                return redirect("seller-orders")
            report = result.report
            context |= {
                "report": report,
                "bad_rows": len(report.bad_rows),
                "errors": [
                    {
                        "row": error.row,
                        "field": _field_label(error.field),
                        "column": error.field,
                        "message": error.message,
                        "value": error.value,
                    }
                    for error in report.errors
                ],
            }
    return render(request, "orders/upload.html", context)


@seller_required
def upload_template_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    language = _template_language()
    response = HttpResponse(
        bulk_upload.bulk_upload_template_csv(language=language), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="orders-template-{language}.csv"'
    return response


@seller_required
def upload_template_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    language = _template_language()
    response = HttpResponse(
        bulk_upload.bulk_upload_template_xlsx(language=language),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="orders-template-{language}.xlsx"'
    return response
