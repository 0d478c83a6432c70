"""How the history lines and notifications that matching writes read, in the active
language (stored as a kind and parameters: marketplace/messages.py)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

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


@order_event_texts.register("accept", "accept_part")
def accepted_text(params: Params) -> str:
    return _("%(factory)s accepted %(quantity)s units, to finish by %(date)s.") % params


@order_event_texts.register("offer_lost", "reopen")
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
