"""Celery interface to the shops services: drafting production orders for SKUs about to run
out (hourly by beat)."""

from __future__ import annotations

from celery import shared_task

from shops.services import replenishments_propose


@shared_task
def replenishments_propose_task() -> int:
    return replenishments_propose()
