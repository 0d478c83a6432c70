# History lines and notifications are stored as their kind and parameters, rendered when
# read in the reader's language (marketplace/messages.py, orders/messages.py,
# matching/messages.py).
#
# Existing notes and notifications were written in the site language (English or Chinese):
# each is matched against the texts the code wrote (in both languages, through the
# translation catalogue) and becomes that text's parameters; one that matches none stays as
# it was, as the ``text`` parameter (and a notification's title as ``text_title``), shown as
# written. Lists of offers (new and withdrawn offers) are kept as written.

import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

# the texts services wrote before this migration, by the action they were written for: each
# alternative is one text, or several joined by a space; "+note": a person's note may follow
# after a space
MILESTONE_ACTIONS = (
    "start_production",
    "ship",
    "milestone_materials_ready",
    "milestone_production_started",
    "milestone_quality_passed",
    "milestone_shipped",
)
LOST = (
    "Match run #%(run)s: its offer could no longer stand.",
    "The offer to %(factory)s expired unanswered.",
    "%(factory)s declined (%(reason)s): %(note)s.",
    "%(factory)s declined (%(reason)s).",
)
ACCEPTED = "%(factory)s accepted %(quantity)s units, to finish by %(date)s."
AFTER_DELAY = "Cancelled instead of accepting the factory's delay (no penalty)."
TEMPLATES = {
    "create": ("Saved as a draft.", "Posted.", "Posted by bulk upload (%(file)s, row %(row)s)."),
    "offer": ("Match run #%(run)s.",),
    "reopen": LOST,
    "offer_lost": LOST,
    "accept": (ACCEPTED,),
    "accept_part": (ACCEPTED,),
    "delay_reported": (
        "%(factory)s reports a delay: finish %(new)s instead of %(old)s. %(reason)s",
    ),
    "delay_accepted": ("The seller accepted the new finish %(date)s.",),
    "confirm_delivery": ("Delivered: %(parts)s.",),
    "rate": ("%(factory)s rated %(quality)s/5.+note",),
    "approve_sample": ("Sample approved.+note",),
    "reject_sample": ("Sample rejected.+note",),
    **{
        action: (
            "%(factory)s: %(milestone)s with %(carrier)s, tracking number %(number)s.+note",
            "%(factory)s: %(milestone)s.+note",
        )
        for action in MILESTONE_ACTIONS
    },
}
# labels as they were (matching.DeclineReason, orders.MilestoneKind), lower-cased in notes
DECLINE_REASONS = {
    "no_capacity": "No capacity",
    "price_too_low": "Price too low",
    "cannot_make": "Cannot make it",
    "other": "Other",
}
MILESTONES = {
    "materials_ready": "Materials ready",
    "production_started": "Production started",
    "quality_passed": "Quality check passed",
    "shipped": "Shipped",
}
NUMBERS = ("id", "row", "run", "quantity", "quality", "count")
NOT_AGAIN = (
    "The factory will not be offered this order again; the next match run looks for another."
)
CANCELLED = (
    "The seller cancelled order #%(id)s (%(title)s); its units in your window are free again."
)
# kind: (title, message alternatives)
NOTIFICATIONS = {
    "offer_accepted": (
        "Order #%(id)s accepted by %(factory)s",
        ((ACCEPTED, "Follow its production on the order's page."),),
    ),
    "offer_lost": (
        "Order #%(id)s is being matched again",
        tuple((lost, NOT_AGAIN) for lost in LOST),
    ),
    "offer_expired": (
        "Offer for order #%(id)s expired",
        (
            "Nobody answered the offer of %(quantity)s units for order #%(id)s in %(hours)s "
            "hours, so it went to the next factory.",
        ),
    ),
    "factory_paused": (
        "%(factory)s receives no new offers",
        (
            "%(count)s offers in a row expired without an answer, so new offers are paused. "
            "Resume when you can answer offers again.",
        ),
    ),
    "order_cancelled": (
        "Order #%(id)s was cancelled",
        ((CANCELLED, "Note: %(note)s"), CANCELLED),
    ),
    "delay_reported": (
        "Order #%(id)s will be late",
        (
            (
                TEMPLATES["delay_reported"][0],
                "Accept the new date, or cancel the order without penalty.",
            ),
        ),
    ),
    "delay_accepted": ("Order #%(id)s: new finish date accepted", TEMPLATES["delay_accepted"]),
    "delivered": (
        "Order #%(id)s delivered",
        ("The seller confirmed delivery of order #%(id)s (%(title)s).",),
    ),
    "rated": ("Order #%(id)s rated %(quality)s/5", TEMPLATES["rate"]),
    "approve_sample": ("Sample #%(id)s approved", TEMPLATES["approve_sample"]),
    "reject_sample": ("Sample #%(id)s rejected", TEMPLATES["reject_sample"]),
    **{
        f"milestone_{kind}": ("Order #%(id)s: %(milestone)s", TEMPLATES["milestone_shipped"])
        for kind in ("materials_ready", "production_started", "quality_passed", "shipped")
    },
    **{
        f"reminder_{kind}": (
            "Order #%(id)s: “%(milestone)s” is late",
            (
                "It was due on %(date)s. Post the milestone, or report a delay so the seller "
                "can plan.",
            ),
        )
        for kind in ("production_started", "shipped")
    },
}


def _pattern(template):
    """A regular expression matching ``template`` (one text or several joined by a space)
    in the active language, with a group per placeholder."""
    parts = (template,) if isinstance(template, str) else template
    noted = parts[-1].endswith("+note")
    text = " ".join(gettext(part.removesuffix("+note")) for part in parts)
    regex, seen = "", set()
    for index, part in enumerate(re.split(r"%\((\w+)\)s", text)):
        if index % 2 == 0:
            regex += re.escape(part)
        else:
            regex += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
            seen.add(part)
    if noted:
        regex += r"(?: (?P<note>.*))?"
    return re.compile(regex + r"\Z", re.S)


def _label_code(labels, shown):
    for code, label in labels.items():
        if gettext(label).lower() == shown.lower():
            return code
    return None


def _params(template, found):
    """The parameters of a match, or None when a value is not what the code wrote."""
    first = template if isinstance(template, str) else template[0]
    params = {key: value for key, value in found.items() if value is not None}
    for key in NUMBERS:
        if key in params:
            if not params[key].isdigit():
                return None
            params[key] = int(params[key])
    if first in ("Saved as a draft.", "Posted."):
        params["draft"] = first == "Saved as a draft."
    if "expired unanswered" in first:
        params["expired"] = True
    if "reason" in params and "declined" in first:
        params["reason"] = _label_code(DECLINE_REASONS, params["reason"])
    if "milestone" in params:
        params["milestone"] = _label_code(MILESTONES, params["milestone"])
    if first == "Delivered: %(parts)s.":
        params["parts"] = _parts(params["parts"])
    if None in params.values():
        return None
    return params


def _parts(text):
    on_time, late = _pattern("%(factory)s on time"), _pattern("%(factory)s late")
    parts = []
    for shown in text.split(", "):
        found = on_time.match(shown) or late.match(shown)
        if found is None:
            return None
        parts.append({"factory": found["factory"], "on_time": found.re is on_time})
    return parts


def _parsed(templates, text):
    """The parameters of the first template ``text`` matches (active language), or None."""
    for template in templates:
        found = _pattern(template).match(text)
        params = _params(template, found.groupdict()) if found else None
        if params is not None:
            return params
    return None


def _is_after_delay(note):
    return note == gettext(AFTER_DELAY)


def note_params(action, note):
    """The parameters an old history note was written from, or ``{"text": note}``."""
    if not note:
        return {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if action in ("cancel", "cancel_after_delay"):
                if _is_after_delay(note):
                    return {}
                continue
            params = _parsed(TEMPLATES.get(action, ()), note)
            if params is not None:
                return params
    if action in ("cancel", "cancel_after_delay"):
        return {"note": note}  # the seller's note, as written
    if action == "edit" and all(re.fullmatch(r"[a-z_]+", name) for name in note.split(", ")):
        return {"fields": note.split(", ")}
    return {"text": note}


def notification_params(kind, title, message):
    """The parameters an old notification was written from, or its texts as written."""
    known = NOTIFICATIONS.get(re.sub(r"_\d+$", "", kind))
    for language, _name in settings.LANGUAGES:
        if known is None:
            break
        with translation.override(language):
            heading = _pattern(known[0]).match(title)
            told = _params(known[0], heading.groupdict()) if heading else None
            params = _parsed(known[1], message) if told is not None else None
        if params is None or any(params.get(key, value) != value for key, value in told.items()):
            continue
        params = {**told, **params}
        if "id" in params:
            params["order"] = params.pop("id")
        if kind == "order_cancelled":
            with translation.override(language):
                params["after_delay"] = _is_after_delay(params.get("note", ""))
            params["note"] = "" if params["after_delay"] else params.get("note", "")
        return params
    return {"text_title": title, "text": message}


def texts_to_params(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    events = list(OrderEvent.objects.only("pk", "action", "note"))
    for event in events:
        event.params = note_params(event.action, event.note)
    OrderEvent.objects.bulk_update(events, ["params"], batch_size=1000)
    Notification = apps.get_model("marketplace", "Notification")
    rows = list(Notification.objects.only("pk", "kind", "title", "message"))
    for row in rows:
        row.params = notification_params(row.kind, row.title, row.message)
    Notification.objects.bulk_update(rows, ["params"], batch_size=1000)


def params_to_texts(apps, schema_editor):
    """Back: the texts in the site language."""
    from marketplace.messages import notification_texts, order_event_texts

    OrderEvent = apps.get_model("orders", "OrderEvent")
    Notification = apps.get_model("marketplace", "Notification")
    events = list(OrderEvent.objects.only("pk", "action", "params"))
    rows = list(Notification.objects.only("pk", "kind", "params"))
    with translation.override(settings.LANGUAGE_CODE):
        for event in events:
            event.note = order_event_texts.render(event.action, event.params)
        for row in rows:
            title, row.message = notification_texts.render(row.kind, row.params)
            row.title = title[:200]
    OrderEvent.objects.bulk_update(events, ["note"], batch_size=1000)
    Notification.objects.bulk_update(rows, ["title", "message"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_verbose_names"),
        ("marketplace", "0007_stored_as_kind_and_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderevent",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.RunPython(texts_to_params, params_to_texts),
        migrations.RemoveField(
            model_name="orderevent",
            name="note",
        ),
    ]
