"""``bench`` is a Django app only for its database benchmarks (``manage.py matching_bench``,
``manage.py bulk_upload_bench``); the rest of the package is plain Python (``python -m bench``)
and the product never imports it."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
