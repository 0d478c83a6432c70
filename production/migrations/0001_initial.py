# Milestones and delays, moved from the orders app (orders 0008): the tables orders created
# are kept as they are, so this only adds the models to Django's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('matching', '0009_solver_status_choices'),
        ('orders', '0008_milestones_and_delays_move_to_production'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Delay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('previous_finish', models.DateField(verbose_name='previous finish')),
                        ('new_finish', models.DateField(verbose_name='new finish')),
                        ('reason', models.TextField(verbose_name='reason')),
                        ('status', models.CharField(choices=[('pending', 'Waiting for the seller'), ('accepted', 'Accepted by the seller'), ('declined', 'Order cancelled by the seller')], default='pending', max_length=20, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='delays', to='matching.assignment', verbose_name='assignment')),
                        ('reported_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reported by')),
                    ],
                    options={
                        'verbose_name': 'delay',
                        'verbose_name_plural': 'delays',
                        'db_table': 'orders_delay',
                        'ordering': ['created_at', 'id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('assignment',), name='one_pending_delay_per_assignment'), models.CheckConstraint(condition=models.Q(('new_finish__gt', models.F('previous_finish'))), name='delay_moves_finish_later')],
                    },
                ),
                migrations.CreateModel(
                    name='Milestone',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('materials_ready', 'Materials ready'), ('production_started', 'Production started'), ('quality_passed', 'Quality check passed'), ('shipped', 'Shipped')], max_length=30, verbose_name='kind')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('photo', models.ImageField(blank=True, upload_to='milestones/%Y/%m/', verbose_name='photo')),
                        ('carrier', models.CharField(blank=True, max_length=100, verbose_name='carrier')),
                        ('tracking_number', models.CharField(blank=True, max_length=100, verbose_name='tracking number')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='matching.assignment', verbose_name='assignment')),
                        ('posted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='posted by')),
                    ],
                    options={
                        'verbose_name': 'milestone',
                        'verbose_name_plural': 'milestones',
                        'db_table': 'orders_milestone',
                        'ordering': ['created_at', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('assignment', 'kind'), name='one_milestone_of_a_kind_per_assignment')],
                    },
                ),
            ],
        ),
    ]
