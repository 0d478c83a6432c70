"""Disputes after delivery: the seller complains about a delivered part, the factory
answers, staff decide.

Up to ``DISPUTE_WINDOW_DAYS`` after confirming delivery the seller opens one dispute per
part: a reason from a list, what is wrong, and photos (checked like milestone photos). The
factory's owner answers it once. Staff resolve it in the admin: upheld with a refund share of
the part's price (0-100%), made again (redo), or rejected. Every step is a line of the
order's history and a notification to the other side (both sides when staff decide). An
upheld dispute counts as a 1-star rating of the part in the factory's quality score, and the
part no longer counts towards the end of the factory's probation (production/scores.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from marketplace.errors import Conflict
from marketplace.models import User
from marketplace.notifications import notification_create
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from orders.transitions import dispute_deadline, order_event_record, require_action
from production.locks import dispute_lock, part_lock
from production.models import (
    DISPUTE_RESOLUTIONS,
    Dispute,
    DisputePhoto,
    DisputeReason,
    DisputeStatus,
)
from production.scores import factory_probation_update, factory_scores_recompute
from production.services import MAX_NOTE_LENGTH, validate_photo

MAX_DISPUTE_PHOTOS = 5


def _validate_text(field: str, text: str, missing: str) -> None:
    if not text.strip():
        raise ValidationError({field: missing})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError({field: _("At most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}})


def _validate_opening(*, reason: str, text: str, photos: Sequence[UploadedFile]) -> list[str]:
    """400 on a bad field; the names to store the photos under."""
    if reason not in DisputeReason.values:
        raise ValidationError(
            {
                "reason": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(DisputeReason.values)}
            }
        )
    _validate_text("text", text, _("Say what is wrong with the goods."))
    if len(photos) > MAX_DISPUTE_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(max)s photos.") % {"max": MAX_DISPUTE_PHOTOS}}
        )
    names = []
    for photo in photos:
        try:
            names.append(validate_photo(photo))
        except ValidationError as exc:
            raise ValidationError({"photos": exc.message_dict["photo"]}) from exc
    return names


def _part_of(order: Order, part: Assignment | None) -> Assignment:
    """The delivered part the dispute is about (the only one when the seller names none)."""
    parts = list(
        order.assignments.select_related("factory__owner").filter(status=AssignmentStatus.ACCEPTED)
    )
    if part is None:
        if len(parts) != 1:
            raise ValidationError(
                {"part": _("This order was made by several factories: say which.")}
            )
        return parts[0]
    found = next((p for p in parts if p.pk == part.pk), None)
    if found is None:
        raise ValidationError({"part": _("That is not a delivered part of this order.")})
    return found


def _require_dispute_window(order: Order) -> None:
    """409 unless the order is delivered and its days to dispute have not run out."""
    deadline = dispute_deadline(order)
    if order.status == OrderStatus.DELIVERED and deadline is not None:
        if timezone.localdate() > deadline:
            raise Conflict(
                _("Disputes about this order could be opened until %(date)s.")
                % {"date": deadline.isoformat()},
                current=order.status,
                allowed=tuple(a for a in order.allowed_actions if a != "open_dispute"),
            )
    require_action(order, "open_dispute", pgettext_lazy("order cannot be", "disputed"))


def _params(dispute: Dispute, part: Assignment, order: Order) -> dict[str, object]:
    return {"order": order.pk, "factory": part.factory.name, "dispute": dispute.pk}


@transaction.atomic
def dispute_open(
    *,
    order: Order,
    actor: User | None,
    reason: str,
    text: str,
    part: Assignment | None = None,
    photos: Sequence[UploadedFile] = (),
) -> Dispute:
    """The seller disputes a delivered part; its factory's owner is told."""
    names = _validate_opening(reason=reason, text=text, photos=photos)
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order.pk)
    _require_dispute_window(order)
    part = _part_of(order, part)
    part, order = part_lock(part.pk)
    if Dispute.objects.filter(assignment=part).exists():
        raise Conflict(
            _("%(factory)s's part is disputed already.") % {"factory": part.factory.name},
            current=order.status,
        )
    dispute = Dispute.objects.create(
        assignment=part, reason=reason, text=text.strip(), opened_by=actor
    )
    for photo, name in zip(photos, names, strict=True):
        photo.name = name
        DisputePhoto.objects.create(dispute=dispute, photo=photo)
    params = _params(dispute, part, order) | {"reason": reason, "note": dispute.text}
    order_event_record(order=order, action="dispute_opened", actor=actor, params=params)
    notification_create(
        recipients=[part.factory.owner],
        kind="dispute_opened",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return dispute


def _require_status(dispute: Dispute, statuses: Sequence[str], allowed: tuple[str, ...]) -> None:
    if dispute.status not in statuses:
        raise Conflict(
            _("This dispute is %(status)s already.")
            % {"status": dispute.get_status_display().lower()},
            current=dispute.status,
            allowed=allowed,
        )


@transaction.atomic
def dispute_answer(*, dispute: Dispute, actor: User | None, answer: str) -> Dispute:
    """The factory's owner answers the seller's complaint, once; the seller is told and
    staff decide."""
    _validate_text("answer", answer, _("Write your answer to the seller's complaint."))
    dispute, part, order = dispute_lock(dispute.pk)
    _require_status(dispute, (DisputeStatus.OPEN,), ())
    require_action(order, "answer_dispute", pgettext_lazy("order cannot be", "answered"))
    dispute.answer = answer.strip()
    dispute.answered_at = timezone.now()
    dispute.status = DisputeStatus.ANSWERED
    dispute.save(update_fields=["answer", "answered_at", "status"])
    params = _params(dispute, part, order) | {"note": dispute.answer}
    order_event_record(order=order, action="dispute_answered", actor=actor, params=params)
    notification_create(
        recipients=[order.seller],
        kind="dispute_answered",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return dispute


def validate_resolution(*, resolution: str, refund_percent: int | None, note: str) -> None:
    """400 unless the decision is one of the three, with a refund share 0-100 when upheld
    (and none otherwise)."""
    if resolution not in DISPUTE_RESOLUTIONS:
        raise ValidationError(
            {
                "resolution": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(DISPUTE_RESOLUTIONS)}
            }
        )
    if resolution == DisputeStatus.UPHELD:
        if (
            not isinstance(refund_percent, int)
            or isinstance(refund_percent, bool)
            or not 0 <= refund_percent <= 100
        ):
            raise ValidationError(
                {"refund_percent": _("Give the refund share as a whole number from 0 to 100.")}
            )
    elif refund_percent is not None:
        raise ValidationError(
            {"refund_percent": _("A refund share goes only with an upheld dispute.")}
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"resolution_note": _("At most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}}
        )


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    actor: User | None,
    resolution: str,
    refund_percent: int | None = None,
    note: str = "",
) -> Dispute:
    """Staff decide a waiting dispute (answered or not): upheld with a refund share, redo,
    or rejected. Both sides are told; an upheld one lowers the factory's quality score."""
    validate_resolution(resolution=resolution, refund_percent=refund_percent, note=note)
    dispute, part, order = dispute_lock(dispute.pk, with_factory=True)
    _require_status(dispute, (DisputeStatus.OPEN, DisputeStatus.ANSWERED), ())
    require_action(order, "resolve_dispute", pgettext_lazy("order cannot be", "resolved"))
    dispute.status = resolution
    dispute.refund_percent = refund_percent
    dispute.resolution_note = note.strip()
    dispute.resolved_by = actor
    dispute.resolved_at = timezone.now()
    dispute.save(
        update_fields=["status", "refund_percent", "resolution_note", "resolved_by", "resolved_at"]
    )
    params = _params(dispute, part, order) | {
        "resolution": resolution,
        "refund": refund_percent,
        "note": dispute.resolution_note,
    }
    order_event_record(order=order, action="dispute_resolved", actor=actor, params=params)
    if resolution == DisputeStatus.UPHELD:
        factory_scores_recompute(factory_ids=[part.factory_id])
        factory_probation_update(factory_ids=[part.factory_id])
    notification_create(
        recipients=[order.seller, part.factory.owner],
        kind="dispute_resolved",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return dispute
