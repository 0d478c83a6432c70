"""manage.py shop_webhook_bench: a stream of signed deliveries with duplicates and forgeries;
its JSON says every good order was stored once and nothing forged was."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from marketplace.models import User
from shops.models import Sale

pytestmark = pytest.mark.django_db


def test_it_reports_every_good_order_stored_once_and_cleans_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("shop_webhook_bench", deliveries=60, duplicates=0.2, forged=0.1)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["server_errors"] == 0
    assert report["answers"]["401"] == 6
    assert report["stored_once"] is True
    assert report["forged_stored"] == 0
    assert not User.objects.filter(username__startswith="bench-shop-").exists()
    assert not Sale.objects.exists()
