"""Celery interface to the factory services: periodic score recomputation."""

from __future__ import annotations

from celery import shared_task


@shared_task
def factory_scores_recompute_task() -> int:
    from factories.scores import factory_scores_recompute

    return factory_scores_recompute()
