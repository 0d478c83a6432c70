# Users get a language (the site's for the accounts that exist); notifications get the
# parameters they are rendered from when read (marketplace/messages.py). Their old texts are
# turned into parameters by orders/0007 (with the history notes), then dropped by 0008.

import marketplace.models
from django.db import migrations, models


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
    ]
