# Notifications are rendered from their kind and parameters (orders/0007 filled them in).
# The texts get an empty default first, so that migrating back can add them to existing rows
# (orders/0007 then writes them again).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0007_stored_as_kind_and_params"),
        ("orders", "0007_stored_as_kind_and_params"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=models.CharField(default="", max_length=200, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="message",
            field=models.TextField(default="", verbose_name="message"),
        ),
        migrations.RemoveField(model_name="notification", name="title"),
        migrations.RemoveField(model_name="notification", name="message"),
    ]
