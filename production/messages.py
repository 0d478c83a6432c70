"""How the history lines and notifications of disputes read, in the active language (stored
as a kind and parameters: marketplace/messages.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.messages import Params, ids, notification_texts, order_event_texts, with_note
from production.models import DisputeReason, DisputeStatus, StandbyTrigger


def _reason(params: Params) -> str:
    code = params.get("reason", "")
    return str(DisputeReason(code).label).lower() if code in DisputeReason.values else code


@order_event_texts.register("dispute_opened")
def dispute_opened_text(params: Params) -> str:
    return with_note(
        _("The seller disputes %(factory)s's part (%(reason)s):")
        % {**params, "reason": _reason(params)},
        params.get("note"),
    )


@order_event_texts.register("dispute_answered")
def dispute_answered_text(params: Params) -> str:
    return with_note(_("%(factory)s answered the dispute:") % params, params.get("note"))


@order_event_texts.register("dispute_resolved")
def dispute_resolved_text(params: Params) -> str:
    resolution = params.get("resolution")
    if resolution == DisputeStatus.UPHELD:
        text = _(
            "The marketplace upheld the dispute about %(factory)s's part: %(refund)s%% of "
            "its price is refunded."
        )
    elif resolution == DisputeStatus.REDO:
        text = _("The marketplace decided that %(factory)s makes its part again.")
    else:
        text = _("The marketplace rejected the dispute about %(factory)s's part.")
    return with_note(text % params, params.get("note"))


@notification_texts.register("dispute_opened")
def _dispute_opened(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s is disputed") % ids(params),
        with_note(
            dispute_opened_text(params),
            _("Answer it on the offer's page; the marketplace then decides."),
        ),
    )


@notification_texts.register("dispute_answered")
def _dispute_answered(params: Params) -> tuple[str, str]:
    return _("Order #%(id)s: the factory answered your dispute") % ids(params), (
        dispute_answered_text(params)
    )


@notification_texts.register("dispute_resolved")
def _dispute_resolved(params: Params) -> tuple[str, str]:
    return _("Order #%(id)s: dispute decided") % ids(params), dispute_resolved_text(params)


# ---------------------------------------------------------------- standby factories


def _trouble(params: Params) -> str:
    if params.get("trigger") == StandbyTrigger.DELAY_PAST_DUE:
        return _("its delay to %(trouble_date)s misses the due date") % params
    return _("a milestone due %(trouble_date)s is overdue") % params


@order_event_texts.register("standby_proposed")
def standby_proposed_text(params: Params) -> str:
    return _(
        "%(factory)s's part (%(quantity)s units) is late: %(trouble)s. The standby factory "
        "%(standby)s could make it by %(date)s at %(price)s CNY a unit."
    ) % {**params, "trouble": _trouble(params)}


@order_event_texts.register("standby_switched")
def standby_switched_text(params: Params) -> str:
    return (
        _(
            "The seller moved %(quantity)s units from %(factory)s to the standby factory "
            "%(standby)s, which is offered them (finish %(date)s); %(factory)s's capacity "
            "for them is free again."
        )
        % params
    )


@order_event_texts.register("standby_declined")
def standby_declined_text(params: Params) -> str:
    return _("The seller keeps %(factory)s's part rather than move it to %(standby)s.") % params


@notification_texts.register("standby_proposed")
def _standby_proposed(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s: a standby factory can take over a late part") % ids(params),
        with_note(
            standby_proposed_text(params),
            _("Move the part or keep it on the order's page."),
        ),
    )


@notification_texts.register("standby_switched")
def _standby_switched(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s: the part moved to a standby factory") % ids(params),
        standby_switched_text(params),
    )


@notification_texts.register("standby_part_withdrawn")
def _standby_part_withdrawn(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s: your part was moved to another factory") % ids(params),
        _(
            "Your part (%(quantity)s units) was late, so the seller moved it to another "
            "factory. Its capacity in your window is free again."
        )
        % params,
    )


@notification_texts.register("standby_offer")
def _standby_offer(params: Params) -> tuple[str, str]:
    return (
        _("New offer: order #%(id)s (a late part to take over)") % ids(params),
        _(
            "%(quantity)s units of order #%(id)s, to finish by %(date)s at %(price)s CNY a "
            "unit: another factory is late with them. Answer the offer in your offers inbox "
            "before it expires."
        )
        % ids(params),
    )
