"""A seller's shops and what they sell: connections that receive shop orders (signed webhooks,
CSV exports), the SKUs mapped to a product specification, the sales, and the production orders
drafted when a SKU is about to run out (issue 15, point 1; docs/shops.md)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from factories.models import UNIT_PRICE_VALIDATORS


class Platform(models.TextChoices):
    GENERIC = "generic", _("Any shop (signed JSON)")
    SHOPIFY = "shopify", _("Shopify")
    CSV = "csv", _("CSV export only")


def new_secret() -> str:
    return secrets.token_hex(32)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ShopConnection(models.Model):
    """One shop of a seller. Orders arrive at its webhook (``/api/shops/hooks/<token>/``),
    signed with its secret, or by CSV import."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="shop_connections",
        on_delete=models.CASCADE,
        verbose_name=_("seller"),
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(
        _("platform"), max_length=20, choices=Platform.choices, default=Platform.GENERIC
    )
    # the webhook's address and the key its deliveries are signed with
    token = models.CharField(_("webhook token"), max_length=64, unique=True, default=new_token)
    secret = models.CharField(_("signing secret"), max_length=128, default=new_secret)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")
        ordering = ["seller_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    """A product a seller sells, mapped to what a factory makes: the specification of the
    production orders drafted for it."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="skus",
        on_delete=models.CASCADE,
        verbose_name=_("seller"),
    )
    code = models.CharField(_("SKU"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        related_name="skus",
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    # made like this earlier order (an approved sample or a delivered order): its factory is
    # preferred, as in a reorder
    made_like = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("made like order"),
    )
    lot_size = models.PositiveIntegerField(
        _("lot size"), default=1, validators=[MinValueValidator(1)]
    )
    max_unit_price = models.DecimalField(
        _("max unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=UNIT_PRICE_VALIDATORS,
    )
    ship_to_city = models.CharField(_("ship-to city"), max_length=100)
    ship_to_latitude = models.FloatField(_("ship-to latitude"))
    ship_to_longitude = models.FloatField(_("ship-to longitude"))
    # the stock the seller counted, and when: sales after that count against it
    stock_on_hand = models.PositiveIntegerField(_("stock on hand"), default=0)
    stock_counted_at = models.DateTimeField(_("stock counted at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["seller_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "code"], name="one_sku_per_seller_code"),
            models.CheckConstraint(condition=Q(max_unit_price__gt=Decimal(0)), name="sku_price"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Sale(models.Model):
    """One line of a shop order: a SKU and a quantity. Stored once per shop order and SKU,
    whether it came by webhook, a second delivery of the same order, or a CSV import."""

    connection = models.ForeignKey(
        ShopConnection,
        related_name="sales",
        on_delete=models.CASCADE,
        verbose_name=_("shop connection"),
    )
    platform_order_id = models.CharField(_("shop order id"), max_length=100)
    sku_code = models.CharField(_("SKU"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    sold_at = models.DateTimeField(_("sold at"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-sold_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "platform_order_id", "sku_code"],
                name="one_sale_per_shop_order_and_sku",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_quantity_positive"),
        ]
        indexes = [models.Index(fields=["sku_code", "sold_at"])]

    def __str__(self) -> str:
        return f"{self.platform_order_id}: {self.sku_code} x {self.quantity}"


class WebhookDelivery(models.Model):
    """A signed delivery the webhook accepted: its signature is never accepted again (a
    replay), and its shop order id makes a second delivery of the same order a no-op."""

    connection = models.ForeignKey(
        ShopConnection,
        related_name="deliveries",
        on_delete=models.CASCADE,
        verbose_name=_("shop connection"),
    )
    signature = models.CharField(_("signature"), max_length=128)
    platform_order_id = models.CharField(_("shop order id"), max_length=100)
    duplicate = models.BooleanField(_("duplicate"), default=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "signature"], name="one_delivery_per_signature"
            )
        ]

    def __str__(self) -> str:
        return gettext("Delivery of shop order %(order)s") % {"order": self.platform_order_id}


class Replenishment(models.Model):
    """A production order drafted for a SKU about to run out, and why: the draft order
    waits for the seller's one click (opening it)."""

    sku = models.ForeignKey(
        Sku, related_name="replenishments", on_delete=models.CASCADE, verbose_name=_("SKU")
    )
    order = models.OneToOneField(
        "orders.Order",
        related_name="replenishment",
        on_delete=models.CASCADE,
        verbose_name=_("order"),
    )
    units_per_day = models.DecimalField(_("units sold a day"), max_digits=12, decimal_places=2)
    stock_left = models.IntegerField(_("stock left"))
    stock_out_on = models.DateField(_("stock-out day"))
    lead_p90_days = models.PositiveIntegerField(_("lead time P90 (days)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("replenishment")
        verbose_name_plural = _("replenishments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sku.code} → #{self.order_id}"
