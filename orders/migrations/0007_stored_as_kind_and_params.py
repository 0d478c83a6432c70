# History lines are stored as their action and parameters, rendered when read in the
# reader's language (marketplace/messages.py, orders/messages.py, matching/messages.py).
#
# Existing notes were written in the site language (English or Chinese): each is matched
# against the texts the code wrote (in both languages, through the translation catalogue)
# and becomes that text's parameters; a note that matches none stays as it was, as the
# ``text`` parameter, shown as written.

import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

# the texts services wrote before this migration, by the action they were written for;
# "+note": a person's note may follow after a space
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
TEMPLATES = {
    "create": ("Saved as a draft.", "Posted.", "Posted by bulk upload (%(file)s, row %(row)s)."),
    "offer": ("Match run #%(run)s.",),
    "reopen": LOST,
    "offer_lost": LOST,
    "accept": ("%(factory)s accepted %(quantity)s units, to finish by %(date)s.",),
    "accept_part": ("%(factory)s accepted %(quantity)s units, to finish by %(date)s.",),
    "cancel_after_delay": ("Cancelled instead of accepting the factory's delay (no penalty).",),
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
NUMBERS = ("row", "run", "quantity", "quality")


def _pattern(template):
    noted = template.endswith("+note")
    text = gettext(template.removesuffix("+note"))
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
        if gettext(label).lower() == shown:
            return code
    return None


def _params(template, found):
    params = {key: value for key, value in found.items() if value is not None}
    for key in NUMBERS:
        if key in params:
            if not params[key].isdigit():
                return None
            params[key] = int(params[key])
    if template == "Saved as a draft.":
        params["draft"] = True
    if template == "Posted.":
        params["draft"] = False
    if "expired" in template:
        params["expired"] = True
    if "reason" in params and "declined" in template:
        params["reason"] = _label_code(DECLINE_REASONS, params["reason"])
    if "milestone" in params:
        params["milestone"] = _label_code(MILESTONES, params["milestone"])
    if template == "Delivered: %(parts)s.":
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


def note_params(action, note):
    """The parameters an old note was written from, or ``{"text": note}``."""
    if not note:
        return {}
    if action in ("cancel", "cancel_after_delay"):
        default = TEMPLATES["cancel_after_delay"][0]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if note == gettext(default):
                    return {}
        return {"note": note}
    if action == "edit" and all(re.fullmatch(r"[a-z_]+", name) for name in note.split(", ")):
        return {"fields": note.split(", ")}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for template in TEMPLATES.get(action, ()):
                found = _pattern(template).match(note)
                params = _params(template, found.groupdict()) if found else None
                if params is not None:
                    return params
    return {"text": note}


def notes_to_params(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    events = list(OrderEvent.objects.only("pk", "action", "note"))
    for event in events:
        event.params = note_params(event.action, event.note)
    OrderEvent.objects.bulk_update(events, ["params"], batch_size=1000)


def params_to_notes(apps, schema_editor):
    """Back: the text in the site language."""
    OrderEvent = apps.get_model("orders", "OrderEvent")
    events = list(OrderEvent.objects.only("pk", "action", "params"))
    with translation.override(settings.LANGUAGE_CODE):
        from marketplace.messages import order_event_texts

        for event in events:
            event.note = order_event_texts.render(event.action, event.params)
    OrderEvent.objects.bulk_update(events, ["note"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderevent",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.RunPython(notes_to_params, params_to_notes),
        migrations.RemoveField(
            model_name="orderevent",
            name="note",
        ),
    ]
