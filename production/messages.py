"""How the history lines and notifications of disputes read, in the active language (stored
as a kind and parameters: marketplace/messages.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.messages import Params, ids, notification_texts, order_event_texts, with_note
from production.models import DisputeReason, DisputeStatus


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
