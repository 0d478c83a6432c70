# Notifications are stored as their kind and parameters, rendered when read in the
# reader's language (marketplace/messages.py); users get a language (the site's for the
# accounts that exist).
#
# Existing notifications keep their title and message as written (the ``text_title`` and
# ``text`` parameters, shown as they are): their texts mixed a person's notes and lists
# with the templates, and are read once; new ones are rendered per reader.

import marketplace.models
from django.db import migrations, models


def texts_to_params(apps, schema_editor):
    Notification = apps.get_model("marketplace", "Notification")
    rows = list(Notification.objects.only("pk", "title", "message"))
    for row in rows:
        row.params = {"text_title": row.title, "text": row.message}
    Notification.objects.bulk_update(rows, ["params"], batch_size=1000)


def params_to_texts(apps, schema_editor):
    """Back: the texts in the site language."""
    from django.conf import settings
    from django.utils import translation

    from marketplace.messages import notification_texts

    Notification = apps.get_model("marketplace", "Notification")
    rows = list(Notification.objects.only("pk", "kind", "params"))
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            title, message = notification_texts.render(row.kind, row.params)
            row.title, row.message = title[:200], message
    Notification.objects.bulk_update(rows, ["title", "message"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_superusers_have_the_staff_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("zh-hans", "简体中文"), ("en", "English")],
                default=marketplace.models.site_language,
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.RunPython(texts_to_params, params_to_texts),
        migrations.RemoveField(model_name="notification", name="title"),
        migrations.RemoveField(model_name="notification", name="message"),
    ]
