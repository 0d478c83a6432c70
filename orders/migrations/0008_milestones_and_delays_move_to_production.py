# Milestones and delays hang off assignments (matching), so they moved to the production app,
# the layer above matching (docs/architecture.md). Their tables stay where they are
# (orders_milestone, orders_delay): only Django's state moves, nothing is copied.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0007_stored_as_kind_and_params'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='milestone',
                    name='assignment',
                ),
                migrations.RemoveField(
                    model_name='milestone',
                    name='posted_by',
                ),
                migrations.DeleteModel(
                    name='Delay',
                ),
                migrations.DeleteModel(
                    name='Milestone',
                ),
            ],
        ),
    ]
