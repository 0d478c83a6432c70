"""How the history lines and notifications that matching writes read, in the active
language (stored as a kind and parameters: marketplace/messages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.messages import (
    Params,
    ids,
    local_minute,
    notification_texts,
    order_event_texts,
    with_note,
)
from matching.models import DeclineReason

LISTED_OFFERS = 10


@order_event_texts.register("offer")
def _offered(params: Params) -> str:
    return _("Match run #%(run)s.") % params


@order_event_texts.register("pooled")
def pooled_text(params: Params) -> str:
    """An order offered as part of a pool (拼单): how many orders share the lot and their
    units together, nothing about the others."""
    return (
        ngettext(
            "Match run #%(run)s: pooled, %(orders)s order, %(units)s units together in one lot.",
            "Match run #%(run)s: pooled, %(orders)s orders, %(units)s units together in one lot.",
            params["orders"],
        )
        % params
    )


@order_event_texts.register("accept", "accept_part")
def accepted_text(params: Params) -> str:
    return _("%(factory)s accepted %(quantity)s units, to finish by %(date)s.") % params


@order_event_texts.register("offer_lost", "reopen", "reopen_rest")
def lost_text(params: Params) -> str:
    """Why an order waits again: a run moved its offer, or a factory declined or let it
    expire."""
    if "run" in params:
        return _("Match run #%(run)s: its offer could no longer stand.") % params
    if params.get("expired"):
        return _("The offer to %(factory)s expired unanswered.") % params
    values = {**params, "reason": str(DeclineReason(params["reason"]).label).lower()}
    if params.get("note"):
        return _("%(factory)s declined (%(reason)s): %(note)s.") % values
    return _("%(factory)s declined (%(reason)s).") % values


def paused_text(params: Params) -> str:
    return (
        _(
            "%(count)s offers in a row expired without an answer, so new offers are "
            "paused. Resume when you can answer offers again."
        )
        % params
    )


def _listed(offers: Sequence[Sequence[int]]) -> str:
    shown = ", ".join(
        _("#%(id)s (%(quantity)s units)") % {"id": order_id, "quantity": quantity}
        for order_id, quantity in offers[:LISTED_OFFERS]
    )
    if len(offers) > LISTED_OFFERS:
        shown += " " + _("and %(count)s more") % {"count": len(offers) - LISTED_OFFERS}
    return shown


# --- notifications -----------------------------------------------------------------------


@notification_texts.register("offer_accepted")
def _offer_accepted(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s accepted by %(factory)s") % ids(params),
        with_note(accepted_text(params), _("Follow its production on the order's page.")),
    )


@notification_texts.register("offer_lost")
def _offer_lost(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s is being matched again") % ids(params),
        with_note(
            lost_text(params),
            _(
                "The factory will not be offered this order again; the next match run looks "
                "for another."
            ),
        ),
    )


@notification_texts.register("offer_expired")
def _offer_expired(params: Params) -> tuple[str, str]:
    return (
        _("Offer for order #%(id)s expired") % ids(params),
        _(
            "Nobody answered the offer of %(quantity)s units for order #%(id)s in %(hours)s "
            "hours, so it went to the next factory."
        )
        % ids(params),
    )


@notification_texts.register("factory_paused")
def _factory_paused(params: Params) -> tuple[str, str]:
    return _("%(factory)s receives no new offers") % params, paused_text(params)


def _offers_told(params: Params, title: str, message: str, **values: str) -> tuple[str, str]:
    """A notification about a list of offers: ``title`` counts them, ``message`` lists them."""
    offers = params["offers"]
    return title % {"count": len(offers)}, message % {"orders": _listed(offers), **values}


@notification_texts.register("new_offers")
def _new_offers(params: Params) -> tuple[str, str]:
    return _offers_told(
        params,
        _("%(count)s new offer(s) waiting for your answer"),
        _(
            "Orders %(orders)s. Accept or decline by %(until)s; unanswered offers go to "
            "another factory."
        ),
        until=local_minute(params["until"]),
    )


@notification_texts.register("offers_withdrawn")
def _offers_withdrawn(params: Params) -> tuple[str, str]:
    return _offers_told(
        params,
        _("%(count)s unanswered offer(s) withdrawn"),
        _(
            "Orders %(orders)s no longer fit your capacity as planned, or fit much better "
            "elsewhere, so the offers were withdrawn."
        ),
    )


# --- counter-offers ----------------------------------------------------------------------


def _counter_terms(params: Params) -> str:
    """The counter's terms beside the offer's: "10.50 CNY a unit (offer 10.00), finish
    2026-05-20 (offer 2026-05-15)"."""
    return (
        _(
            "%(price)s CNY a unit (offer: %(offer_price)s), finish by %(date)s "
            "(offer: %(offer_date)s)"
        )
        % params
    )


@order_event_texts.register("counter")
def counter_text(params: Params) -> str:
    text = _("%(factory)s answered with a counter-offer for %(quantity)s units: %(terms)s.") % {
        **params,
        "terms": _counter_terms(params),
    }
    return with_note(text, params.get("note"))


@order_event_texts.register("accept_counter")
def counter_accepted_text(params: Params) -> str:
    return (
        _(
            "The seller accepted the counter-offer of %(factory)s: %(quantity)s units at "
            "%(price)s CNY a unit, to finish by %(date)s."
        )
        % params
    )


@order_event_texts.register("reject_counter")
def counter_rejected_text(params: Params) -> str:
    text = (
        _("The seller rejected the counter-offer of %(factory)s; the order is matched again.")
        % params
    )
    return with_note(text, params.get("note"))


@order_event_texts.register("expire_counter")
def counter_expired_text(params: Params) -> str:
    return (
        _("The counter-offer of %(factory)s expired unanswered; the order is matched again.")
        % params
    )


@notification_texts.register("counter_made")
def _counter_made(params: Params) -> tuple[str, str]:
    return (
        _("Counter-offer for order #%(id)s from %(factory)s") % ids(params),
        with_note(
            counter_text(params),
            _(
                "Accept or reject it on the order's page by %(until)s; unanswered, the order "
                "is matched again."
            )
            % {"until": local_minute(params["until"])},
        ),
    )


@notification_texts.register("counter_accepted")
def _counter_accepted(params: Params) -> tuple[str, str]:
    return (
        _("Counter-offer for order #%(id)s accepted") % ids(params),
        with_note(
            counter_accepted_text(params),
            _("The units are booked in your window; report production on the offer's page."),
        ),
    )


@notification_texts.register("counter_rejected")
def _counter_rejected(params: Params) -> tuple[str, str]:
    return (
        _("Counter-offer for order #%(id)s rejected") % ids(params),
        with_note(
            counter_rejected_text(params),
            _("Your units in the window are free again; a later run may offer you the order."),
        ),
    )


@notification_texts.register("counter_expired")
def _counter_expired(params: Params) -> tuple[str, str]:
    return (
        _("Counter-offer for order #%(id)s expired") % ids(params),
        _(
            "The seller did not answer your counter-offer for order #%(id)s in %(hours)s "
            "hours; your units are free again and a later run may offer you the order."
        )
        % ids(params),
    )


@notification_texts.register("counter_lapsed")
def _counter_lapsed(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s is being matched again") % ids(params),
        with_note(
            counter_expired_text(params) if "hours" in params else counter_rejected_text(params),
            _("That factory may be offered the order again, at its usual price."),
        ),
    )
