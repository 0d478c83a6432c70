"""After acceptance: milestones, delays, delivery, ratings and sample decisions.

A factory's accepted offer (an ``Assignment``) is its part of the order; a split order has
several. Milestones and delays belong to a part; the order's status follows its parts:
it is in production once a part has started, shipped once every part has shipped. The
seller confirms delivery of the whole order and rates each factory's part.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from PIL import Image, UnidentifiedImageError

from marketplace.errors import Conflict
from marketplace.messages import Params
from marketplace.models import User
from marketplace.notifications import notification_create
from matching.models import WAITING_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus
from orders.models import (
    MILESTONE_SEQUENCE,
    MilestoneKind,
    Order,
    OrderKind,
    OrderStatus,
    SampleDecision,
)
from orders.transitions import order_event_record, order_transition, require_action
from production.locks import delay_lock, part_lock
from production.models import Delay, DelayStatus, Milestone
from production.scores import factory_probation_update, factory_scores_recompute
from production.track_record import track_records_learn

MAX_NOTE_LENGTH = 2000


def _require_accepted(part: Assignment) -> None:
    if part.status != AssignmentStatus.ACCEPTED:
        raise Conflict(
            _("This offer is %(status)s; only accepted offers are in production.")
            % {"status": part.get_status_display().lower()},
            current=part.status,
            allowed=(),
        )


# the extension a stored photo gets, from the format Pillow found (never the upload's name)
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "TIFF": "tif"}


def validate_photo(photo: UploadedFile) -> str:
    """An image of an allowed format, size and pixel count; anything else is a 400 naming
    the field. Returns the file name to store it under: a random name with the extension of
    the format found, so an upload named ``x.html`` is never served as HTML."""
    limit = settings.MILESTONE_PHOTO_MAX_BYTES
    if photo.size is not None and photo.size > limit:
        raise ValidationError(
            {
                "photo": _("The photo is %(size)s bytes; at most %(limit)s are allowed.")
                % {"size": f"{photo.size:,}", "limit": f"{limit:,}"}
            }
        )
    allowed = settings.MILESTONE_PHOTO_FORMATS
    max_pixels = settings.MILESTONE_PHOTO_MAX_PIXELS
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            kind, (width, height) = image.format, image.size
            if width * height > max_pixels:
                raise ValidationError(
                    {
                        "photo": _(
                            "The photo is %(width)s x %(height)s pixels; at most %(max)s "
                            "pixels are allowed."
                        )
                        % {"width": width, "height": height, "max": f"{max_pixels:,}"}
                    }
                )
            image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            {
                "photo": _("The photo has too many pixels; at most %(max)s are allowed.")
                % {"max": f"{max_pixels:,}"}
            }
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            {
                "photo": _("Upload an image (%(formats)s); this file is not one.")
                % {"formats": ", ".join(allowed)}
            }
        ) from exc
    finally:
        photo.seek(0)
    if kind not in allowed:
        raise ValidationError(
            {
                "photo": _("%(kind)s images are not accepted; use one of %(formats)s.")
                % {"kind": kind, "formats": ", ".join(allowed)}
            }
        )
    return f"{uuid.uuid4().hex}.{PHOTO_EXTENSIONS.get(kind, kind.lower())}"


def next_milestone(part: Assignment) -> str | None:
    """The milestone the part posts next (None when all are posted)."""
    posted = set(part.milestones.values_list("kind", flat=True))
    return next((kind for kind in MILESTONE_SEQUENCE if kind not in posted), None)


def _validate_milestone(*, kind: str, note: str, carrier: str, tracking_number: str) -> None:
    errors: dict[str, str] = {}
    if kind not in MilestoneKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(MilestoneKind.values)
        }
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = _("At most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}
    if kind == MilestoneKind.SHIPPED:
        if not carrier.strip():
            errors["carrier"] = _("Name the carrier of the shipment.")
        if not tracking_number.strip():
            errors["tracking_number"] = _("Give the shipment's tracking number.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def milestone_post(
    *,
    part: Assignment,
    actor: User | None,
    kind: str,
    note: str = "",
    photo: UploadedFile | None = None,
    carrier: str = "",
    tracking_number: str = "",
) -> Milestone:
    """The factory reports progress on its part, in order: materials ready, production
    started, quality check passed, shipped (with carrier and tracking number)."""
    _validate_milestone(kind=kind, note=note, carrier=carrier, tracking_number=tracking_number)
    if photo is not None:
        photo.name = validate_photo(photo)
    part, order = part_lock(part.pk)
    _require_accepted(part)
    require_action(order, "post_milestone", pgettext_lazy("order cannot be", "given a milestone"))
    expected = next_milestone(part)
    if kind != expected:
        raise Conflict(
            _("The next milestone of this part is “%(milestone)s”")
            % {"milestone": MilestoneKind(expected).label}
            if expected
            else _("Every milestone of this part is posted already."),
            current=order.status,
            allowed=(expected,) if expected else (),
        )
    milestone = Milestone.objects.create(
        assignment=part,
        kind=kind,
        note=note.strip(),
        photo=photo or "",
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        posted_by=actor,
    )
    params = {
        "order": order.pk,
        "factory": part.factory.name,
        "milestone": str(kind),
        "carrier": milestone.carrier,
        "number": milestone.tracking_number,
        "note": milestone.note,
    }
    if kind == MilestoneKind.SHIPPED:
        part.shipped_on = timezone.localdate()
        part.save(update_fields=["shipped_on", "updated_at"])
    if kind in (MilestoneKind.SHIPPED, MilestoneKind.QUALITY_PASSED):
        # this part now counts in the factory's lead times or its demonstrated output
        track_records_learn(factory_ids=[part.factory_id], category_id=order.category_id)
    _order_follows_parts(order=order, actor=actor, kind=kind, params=params)
    notification_create(
        recipients=[order.seller],
        kind=f"milestone_{kind}",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return milestone


def _order_follows_parts(*, order: Order, actor: User | None, kind: str, params: Params) -> None:
    """The order starts with its first part and ships with its last."""
    parts = order.assignments.filter(status=AssignmentStatus.ACCEPTED)
    if kind == MilestoneKind.PRODUCTION_STARTED and order.status == OrderStatus.ACCEPTED:
        order_transition(order=order, action="start_production", actor=actor, params=params)
        return
    everything_made = (
        order.status == OrderStatus.IN_PRODUCTION
        and not order.assignments.filter(status__in=WAITING_ASSIGNMENT_STATUSES).exists()
    )
    all_shipped = not parts.filter(shipped_on__isnull=True).exists()
    if kind == MilestoneKind.SHIPPED and everything_made and all_shipped:
        order_transition(order=order, action="ship", actor=actor, params=params)
        return
    order_event_record(order=order, action=f"milestone_{kind}", actor=actor, params=params)


@transaction.atomic
def delay_report(
    *, part: Assignment, actor: User | None, new_finish: dt.date, reason: str
) -> Delay:
    """The factory will finish later: the seller accepts the new date or cancels the order
    without penalty."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why production is late.")})
    if len(reason) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"reason": _("At most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}}
        )
    part, order = part_lock(part.pk)
    _require_accepted(part)
    require_action(order, "report_delay", pgettext_lazy("order cannot be", "delayed"))
    if part.shipped_on is not None:
        raise Conflict(_("This part has shipped; it cannot be delayed."), current=order.status)
    if new_finish <= part.planned_finish:
        raise ValidationError(
            {
                "new_finish": _("The new finish must be after the planned %(date)s.")
                % {"date": part.planned_finish}
            }
        )
    horizon = timezone.localdate() + dt.timedelta(days=settings.PLANNING_HORIZON_DAYS)
    if new_finish > horizon:
        raise ValidationError(
            {"new_finish": _("The new finish can be at most %(date)s.") % {"date": horizon}}
        )
    if Delay.objects.filter(assignment=part, status=DelayStatus.PENDING).exists():
        raise Conflict(
            _("A delay of this part already waits for the seller's answer."),
            current=order.status,
        )
    delay = Delay.objects.create(
        assignment=part,
        previous_finish=part.planned_finish,
        new_finish=new_finish,
        reason=reason.strip(),
        reported_by=actor,
    )
    params = {
        "order": order.pk,
        "factory": part.factory.name,
        "new": new_finish.isoformat(),
        "old": part.planned_finish.isoformat(),
        "reason": delay.reason,
    }
    order_event_record(order=order, action="delay_reported", actor=actor, params=params)
    notification_create(
        recipients=[order.seller],
        kind="delay_reported",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return delay


@transaction.atomic
def delay_accept(*, delay: Delay, actor: User | None) -> Delay:
    """The seller accepts the later finish: the part's plan moves (its promise does not,
    so on-time is still measured against what the factory first promised)."""
    delay, part, order = delay_lock(delay.pk)
    if delay.status != DelayStatus.PENDING:
        raise Conflict(
            _("This delay is %(status)s already.") % {"status": delay.get_status_display().lower()},
            current=delay.status,
        )
    delay.status = DelayStatus.ACCEPTED
    delay.decided_at = timezone.now()
    delay.save(update_fields=["status", "decided_at"])
    part.planned_finish = delay.new_finish
    part.save(update_fields=["planned_finish", "updated_at"])
    params = {"order": order.pk, "date": delay.new_finish.isoformat()}
    order_event_record(order=order, action="delay_accepted", actor=actor, params=params)
    notification_create(
        recipients=[part.factory.owner],
        kind="delay_accepted",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return delay


@transaction.atomic
def delivery_confirm(*, order: Order, actor: User | None) -> Order:
    """The seller has the goods: each part is on time when it arrived by its promised
    finish plus its planned transport days."""
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order.pk)
    require_action(
        order, "confirm_delivery", pgettext_lazy("order cannot be", "confirmed delivered")
    )
    today = timezone.localdate()
    parts = list(
        order.assignments.select_for_update(no_key=True, of=("self",))
        .select_related("factory__owner")
        .filter(status=AssignmentStatus.ACCEPTED)
    )
    for part in parts:
        part.delivered_on = today
        planned = part.planned_delivery
        part.on_time = planned is None or today <= planned
        part.save(update_fields=["delivered_on", "on_time", "updated_at"])
    order_transition(
        order=order,
        action="confirm_delivery",
        actor=actor,
        params={"parts": [{"factory": p.factory.name, "on_time": p.on_time} for p in parts]},
    )
    # parts on time count towards the end of their factories' probation
    factory_probation_update(factory_ids=[p.factory_id for p in parts])
    notification_create(
        recipients=[p.factory.owner for p in parts],
        kind="delivered",
        params={"order": order.pk, "title": order.title},
        order_id=order.pk,
        exclude=actor,
    )
    return order


@transaction.atomic
def order_rate(
    *,
    order: Order,
    actor: User | None,
    quality: int,
    comment: str = "",
    part: Assignment | None = None,
) -> Assignment:
    """The seller rates the quality of a factory's part, 1 to 5, once. The factory's
    scores are recomputed at once and feed the next match run."""
    if not isinstance(quality, int) or not 1 <= quality <= 5:
        raise ValidationError({"quality": _("Rate quality with a whole number from 1 to 5.")})
    if len(comment) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"comment": _("At most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}}
        )
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order.pk)
    require_action(order, "rate", pgettext_lazy("order cannot be", "rated"))
    parts = list(
        order.assignments.select_for_update(no_key=True, of=("self",))
        .select_related("factory__owner")
        .filter(status=AssignmentStatus.ACCEPTED)
    )
    if part is None:
        if len(parts) != 1:
            raise ValidationError(
                {"part": _("This order was made by several factories: say which.")}
            )
        part = parts[0]
    else:
        part = next((p for p in parts if p.pk == part.pk), None)
        if part is None:
            raise ValidationError({"part": _("That is not a delivered part of this order.")})
    if part.rated_at is not None:
        raise Conflict(
            _("%(factory)s's part is rated already.") % {"factory": part.factory.name},
            current=order.status,
        )
    part.quality_rating = quality
    part.rating_comment = comment.strip()
    part.rated_at = timezone.now()
    part.save(update_fields=["quality_rating", "rating_comment", "rated_at", "updated_at"])
    params = {
        "order": order.pk,
        "factory": part.factory.name,
        "quality": quality,
        "note": part.rating_comment,
    }
    order_event_record(order=order, action="rate", actor=actor, params=params)
    factory_scores_recompute(factory_ids=[part.factory_id])
    notification_create(
        recipients=[part.factory.owner],
        kind="rated",
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return part


@transaction.atomic
def sample_decide(*, order: Order, actor: User | None, approve: bool, note: str = "") -> Order:
    """The seller approves or rejects a delivered sample. An approved sample can be named
    by bulk orders, which then go to the sample's factory."""
    order = Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order.pk)
    action = "approve_sample" if approve else "reject_sample"
    if order.kind != OrderKind.SAMPLE:
        raise Conflict(_("Only sample orders are approved or rejected."), current=order.status)
    require_action(
        order,
        action,
        pgettext_lazy("order cannot be", "approved")
        if approve
        else pgettext_lazy("order cannot be", "rejected"),
    )
    order.sample_decision = SampleDecision.APPROVED if approve else SampleDecision.REJECTED
    order.save(update_fields=["sample_decision", "updated_at"])
    params = {"order": order.pk, "note": note}
    order_event_record(order=order, action=action, actor=actor, params=params)
    owners = [
        p.factory.owner
        for p in order.assignments.select_related("factory__owner").filter(
            status=AssignmentStatus.ACCEPTED
        )
    ]
    notification_create(
        recipients=owners,
        kind=action,
        params=params,
        order_id=order.pk,
        exclude=actor,
    )
    return order


def overdue_milestone(*, part: Assignment, today: dt.date) -> tuple[str, dt.date] | None:
    """The milestone of a part not yet shipped that is late past MILESTONE_REMINDER_GRACE_DAYS
    and the day it was due: shipped after the planned finish, production started after the
    planned start; None when none is."""
    grace = dt.timedelta(days=settings.MILESTONE_REMINDER_GRACE_DAYS)
    if part.planned_finish + grace < today:
        return MilestoneKind.SHIPPED, part.planned_finish
    posted = set(part.milestones.values_list("kind", flat=True))
    if MilestoneKind.PRODUCTION_STARTED not in posted and part.planned_start + grace < today:
        return MilestoneKind.PRODUCTION_STARTED, part.planned_start
    return None


def milestone_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind factories whose parts are late: not started after their planned start, or
    not shipped after their planned finish (by MILESTONE_REMINDER_GRACE_DAYS). One
    reminder per part and overdue milestone; returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    parts = Assignment.objects.filter(
        status=AssignmentStatus.ACCEPTED,
        order__status__in=(OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION),
        shipped_on__isnull=True,
    ).select_related("factory__owner", "order")
    for part in parts:
        found = overdue_milestone(part=part, today=today)
        if found is None:
            continue
        overdue, due = found
        kind = f"reminder_{overdue}_{part.pk}"
        if part.factory.owner.notifications.filter(kind=kind).exists():
            continue
        notification_create(
            recipients=[part.factory.owner],
            kind=kind,
            params={"order": part.order_id, "milestone": str(overdue), "date": due.isoformat()},
            order_id=part.order_id,
        )
        sent += 1
    return sent
