"""Locust scenario for `make loadtest` (started by loadtest/run.py, not by hand).

Sellers post orders (until LOADTEST_ORDERS posts in total, then the run stops) and read
their order lists. Every 201 is recorded as ``id<TAB>title`` in LOADTEST_IDS_FILE; every
create that did not get a 201 as ``!<TAB>title<TAB>status`` so that the check after the
run can tell "created although the client saw an error" from "lost".

Environment (set by loadtest/run.py):
  LOADTEST_SETUP_FILE  JSON: {"tokens": [...], "categories": [...]}
  LOADTEST_IDS_FILE    where the created ids go
  LOADTEST_ORDERS      posts in total (default 5000)
  LOADTEST_CREATE_PATH /api/orders/ or the bare reference endpoint
  LOADTEST_PREFIX      title prefix, unique per run
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random

import gevent
from locust import FastHttpUser, between, events, task

SETUP = json.loads(open(os.environ["LOADTEST_SETUP_FILE"], encoding="utf-8").read())
TOTAL = int(os.environ.get("LOADTEST_ORDERS", "5000"))
CREATE_PATH = os.environ.get("LOADTEST_CREATE_PATH", "/api/orders/")
PREFIX = os.environ.get("LOADTEST_PREFIX", "lt")
DUE = (dt.date.today() + dt.timedelta(days=60)).isoformat()

_users = itertools.count()
_posts = itertools.count(1)  # posts handed out (single locust process: no race)
_answered = 0
_ids_file = open(os.environ["LOADTEST_IDS_FILE"], "a", encoding="utf-8")


@events.quitting.add_listener
def _close(**_kwargs: object) -> None:
    _ids_file.close()


class Seller(FastHttpUser):
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        token = SETUP["tokens"][next(_users) % len(SETUP["tokens"])]
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    @task(3)
    def post_order(self) -> None:
        global _answered
        n = next(_posts)
        if n > TOTAL:
            self.list_orders()
            return
        title = f"{PREFIX}-{n}"
        body = {
            "title": title,
            "category": random.choice(SETUP["categories"]),
            "quantity": random.randint(100, 5000),
            "max_unit_price": f"{random.randint(500, 3000) / 100:.2f}",
            "due_date": DUE,
            "ship_to_city": "Shanghai",
            "ship_to_latitude": 31.2304,
            "ship_to_longitude": 121.4737,
        }
        with self.client.post(
            CREATE_PATH, json=body, headers=self.headers, name="POST create", catch_response=True
        ) as response:
            if response.status_code == 201:
                _ids_file.write(f"{response.json()['id']}\t{title}\n")
                response.success()
            else:
                _ids_file.write(f"!\t{title}\t{response.status_code}\n")
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        _answered += 1
        if _answered == TOTAL:  # every post answered: stop the run
            _ids_file.flush()
            gevent.spawn(self.environment.runner.quit)

    @task(1)
    def list_orders(self) -> None:
        self.client.get("/api/orders/", headers=self.headers, name="GET list")
