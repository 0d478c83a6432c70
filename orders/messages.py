"""How the history lines and notifications that orders write read, in the active language
(stored as a kind and parameters: marketplace/messages.py)."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from marketplace.messages import Params, ids, notification_texts, order_event_texts, with_note
from orders.models import MilestoneKind, Order

MILESTONE_ACTIONS = (
    "start_production",
    "ship",
    *(f"milestone_{kind}" for kind in MilestoneKind.values),
)


def _field_name(name: str) -> str:
    try:
        field = Order._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


@order_event_texts.register("create")
def _created(params: Params) -> str:
    if "file" in params:
        return _("Posted by bulk upload (%(file)s, row %(row)s).") % params
    if "reorder_of" in params:
        text = _("Reorder of order #%(order)s.") % {"order": params["reorder_of"]}
        return text + (" " + _("Saved as a draft.") if params.get("draft") else "")
    return _("Saved as a draft.") if params.get("draft") else _("Posted.")


@order_event_texts.register("reorder")
def _reordered(params: Params) -> str:
    return _("Reordered as order #%(order)s.") % {"order": params["order"]}


@order_event_texts.register("edit")
def _edited(params: Params) -> str:
    return ", ".join(_field_name(name) for name in params.get("fields", ()))


@order_event_texts.register(*MILESTONE_ACTIONS)
def milestone_text(params: Params) -> str:
    if params["milestone"] == MilestoneKind.SHIPPED:
        text = _("%(factory)s: %(milestone)s with %(carrier)s, tracking number %(number)s.")
    else:
        text = _("%(factory)s: %(milestone)s.")
    label = str(MilestoneKind(params["milestone"]).label).lower()
    return with_note(text % {**params, "milestone": label}, params.get("note"))


@order_event_texts.register("cancel")
def _cancelled(params: Params) -> str:
    """The seller's note, as written."""
    return str(params.get("note", ""))


@order_event_texts.register("cancel_after_delay")
def _cancelled_after_delay(params: Params) -> str:
    return _cancelled(params) or _(
        "Cancelled instead of accepting the factory's delay (no penalty)."
    )


@order_event_texts.register("delay_reported")
def delay_reported_text(params: Params) -> str:
    return _("%(factory)s reports a delay: finish %(new)s instead of %(old)s. %(reason)s") % params


@order_event_texts.register("delay_accepted")
def delay_accepted_text(params: Params) -> str:
    return _("The seller accepted the new finish %(date)s.") % params


@order_event_texts.register("confirm_delivery")
def _delivered(params: Params) -> str:
    lateness = ", ".join(
        (_("%(factory)s on time") if part["on_time"] else _("%(factory)s late")) % part
        for part in params.get("parts", ())
    )
    return _("Delivered: %(parts)s.") % {"parts": lateness}


@order_event_texts.register("rate")
def rated_text(params: Params) -> str:
    return with_note(_("%(factory)s rated %(quality)s/5.") % params, params.get("note"))


@order_event_texts.register("approve_sample")
def _sample_approved(params: Params) -> str:
    return with_note(_("Sample approved."), params.get("note"))


@order_event_texts.register("reject_sample")
def _sample_rejected(params: Params) -> str:
    return with_note(_("Sample rejected."), params.get("note"))


# --- notifications -----------------------------------------------------------------------


@notification_texts.register("order_cancelled")
def _order_cancelled(params: Params) -> tuple[str, str]:
    message = _(
        "The seller cancelled order #%(id)s (%(title)s); its units in your window are free again."
    ) % ids(params)
    note = _cancelled_after_delay(params) if params.get("after_delay") else _cancelled(params)
    if note:
        message += " " + _("Note: %(note)s") % {"note": note}
    return _("Order #%(id)s was cancelled") % ids(params), message


@notification_texts.register(*(f"milestone_{kind}" for kind in MilestoneKind.values))
def _milestone_posted(params: Params) -> tuple[str, str]:
    label = str(MilestoneKind(params["milestone"]).label).lower()
    title = _("Order #%(id)s: %(milestone)s") % {"id": params["order"], "milestone": label}
    return title, milestone_text(params)


@notification_texts.register("delay_reported")
def _delay_reported(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s will be late") % ids(params),
        delay_reported_text(params)
        + " "
        + _("Accept the new date, or cancel the order without penalty."),
    )


@notification_texts.register("delay_accepted")
def _delay_accepted(params: Params) -> tuple[str, str]:
    return _("Order #%(id)s: new finish date accepted") % ids(params), delay_accepted_text(params)


@notification_texts.register("delivered")
def _order_delivered(params: Params) -> tuple[str, str]:
    return (
        _("Order #%(id)s delivered") % ids(params),
        _("The seller confirmed delivery of order #%(id)s (%(title)s).") % ids(params),
    )


@notification_texts.register("rated")
def _order_rated(params: Params) -> tuple[str, str]:
    return _("Order #%(id)s rated %(quality)s/5") % ids(params), rated_text(params)


@notification_texts.register("approve_sample")
def _sample_approved_told(params: Params) -> tuple[str, str]:
    return _("Sample #%(id)s approved") % ids(params), _sample_approved(params)


@notification_texts.register("reject_sample")
def _sample_rejected_told(params: Params) -> tuple[str, str]:
    return _("Sample #%(id)s rejected") % ids(params), _sample_rejected(params)


@notification_texts.register(*(f"reminder_{kind}" for kind in MilestoneKind.values))
def _milestone_late(params: Params) -> tuple[str, str]:
    label = MilestoneKind(params["milestone"]).label
    return (
        _("Order #%(id)s: “%(milestone)s” is late") % {**ids(params), "milestone": label},
        _("It was due on %(date)s. Post the milestone, or report a delay so the seller can plan.")
        % ids(params),
    )
