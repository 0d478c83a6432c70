"""Settings for the test suite: the project's settings with test-friendly defaults.

Each test session gets its own Celery queue so that tasks from another session or a
running `make run` never mix in. Matching on order/capacity changes is off unless a
test turns it on.
"""

import os
import uuid

os.environ.setdefault("CELERY_QUEUE", f"test-{uuid.uuid4().hex[:12]}")
os.environ.setdefault("MATCHING_TIME_LIMIT_SECONDS", "5")
os.environ.setdefault("MATCHING_EVENT_DELAY_SECONDS", "0")
os.environ.setdefault("MATCHING_AUTO_RUN_ON_CHANGE", "false")
# Probation of new factories is off unless a test turns it on (tests/production/test_probation*.py)
os.environ.setdefault("PROBATION_ORDERS", "0")

from marketplace.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read messages in English unless they ask for Chinese (Accept-Language or cookie);
# the product's default is Chinese (marketplace/settings.py).
LANGUAGE_CODE = "en"
# Throttle counters in a per-process cache, emptied before each test (tests/conftest.py);
# production uses Redis (marketplace/settings.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
