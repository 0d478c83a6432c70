"""The seller's shop pages, under /seller/shops/: the shops with their SKUs and drafted
orders, one shop's webhook and CSV import with its sales, a new SKU. Reads go through the
seller-scoped selectors (another seller's shop is a 404), writes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from marketplace.pages import call_form_service, call_service, seller_required, shown_with
from marketplace.request_types import AuthenticatedHttpRequest
from orders.models import OrderStatus
from shops import selectors, services
from shops.forms import SalesCsvForm, ShopConnectionForm, SkuForm, StockForm
from shops.models import Platform, ShopConnection

RECENT_SALES = 50


def _posted(request: AuthenticatedHttpRequest) -> tuple[Any, ...]:
    return (request.POST,) if request.method == "POST" else (None,)


@seller_required
def shops_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Drafted orders to approve, the SKUs with their stock-out days, the shops."""
    form = ShopConnectionForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        connection = call_form_service(
            form,
            lambda: services.shop_connection_create(seller=request.user, **form.cleaned_data),
        )
        if connection is not None:
            messages.success(
                request, _("Shop “%(name)s” is connected.") % {"name": connection.name}
            )
            return redirect("seller-shop", pk=connection.pk)
    today = timezone.localdate()
    skus = [
        shown_with(sku, demand=selectors.sku_demand(sku=sku, today=today))
        for sku in selectors.sku_list(seller=request.user)
    ]
    context = {
        "form": form,
        "connections": selectors.shop_connection_list(seller=request.user),
        "skus": skus,
        "drafts": selectors.replenishment_list(seller=request.user).filter(
            order__status=OrderStatus.DRAFT
        ),
    }
    return render(request, "shops/shops.html", context)


def _own_connection(request: AuthenticatedHttpRequest, pk: int) -> ShopConnection:
    return get_object_or_404(selectors.shop_connection_list(seller=request.user), pk=pk)


@seller_required
def shop_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A shop's webhook address and secret, its CSV import and its latest sales."""
    connection = _own_connection(request, pk)
    form = SalesCsvForm(*_posted(request), request.FILES if request.method == "POST" else None)
    context: dict[str, Any] = {"connection": connection, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            result = services.sales_import_csv(
                connection=connection, data=form.cleaned_data["file"].read()
            )
        except services.CsvRefused as refused:
            if refused.message:
                form.add_error("file", refused.message)
            context["row_errors"] = refused.rows
        else:
            messages.success(
                request,
                ngettext(
                    "%(orders)s order imported: %(new)s new lines, %(old)s already known.",
                    "%(orders)s orders imported: %(new)s new lines, %(old)s already known.",
                    result.orders,
                )
                % {
                    "orders": number_format(result.orders, force_grouping=True),
                    "new": number_format(result.stored_lines, force_grouping=True),
                    "old": number_format(result.duplicate_lines, force_grouping=True),
                },
            )
            return redirect("seller-shop", pk=connection.pk)
    context |= {
        "webhook_url": request.build_absolute_uri(
            reverse("api:shop-webhook", kwargs={"token": connection.token})
        ),
        "takes_webhooks": connection.platform != Platform.CSV,
        "sales": selectors.sale_list(seller=request.user).filter(connection=connection)[
            :RECENT_SALES
        ],
    }
    return render(request, "shops/shop_detail.html", context)


@seller_required
def sku_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SkuForm(*_posted(request))
    if request.method == "POST" and form.is_valid():
        sku = call_form_service(
            form, lambda: services.sku_create(seller=request.user, **form.service_data())
        )
        if sku is not None:
            messages.success(request, _("SKU %(code)s is added.") % {"code": sku.code})
            return redirect("seller-shops")
    return render(request, "shops/sku_form.html", {"form": form})


@require_POST
@seller_required
def sku_stock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sku = get_object_or_404(selectors.sku_list(seller=request.user), pk=pk)
    form = StockForm(request.POST, auto_id=f"stock-{sku.pk}-%s")
    if form.is_valid():
        services.sku_stock_count(sku=sku, stock_on_hand=form.cleaned_data["stock_on_hand"])
        messages.success(request, _("The stock of %(code)s is counted.") % {"code": sku.code})
    else:
        for error in form.errors.get("stock_on_hand", []):
            messages.error(request, f"{sku.code}: {error}")
    return redirect("seller-shops")


@require_POST
@seller_required
def replenishments_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Look at every SKU now instead of waiting for the hourly check."""
    drafted = services.replenishments_propose(seller=request.user)
    if drafted:
        messages.success(
            request,
            ngettext(
                "%(n)s order drafted for a SKU about to run out.",
                "%(n)s orders drafted for SKUs about to run out.",
                drafted,
            )
            % {"n": drafted},
        )
    else:
        messages.info(request, _("No SKU needs a new order yet."))
    return redirect("seller-shops")


@require_POST
@seller_required
def replenishment_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    replenishment = get_object_or_404(selectors.replenishment_list(seller=request.user), pk=pk)
    order = call_service(
        request,
        lambda: services.replenishment_approve(replenishment=replenishment, actor=request.user),
    )
    if order is None:
        return redirect("seller-shops")
    messages.success(
        request,
        _("Order #%(id)s is posted; it is matched with factories shortly.") % {"id": order.pk},
    )
    return redirect("seller-order", pk=order.pk)
