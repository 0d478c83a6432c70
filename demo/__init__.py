"""The demo data (``manage.py seed_demo``) and the README's screenshots (``manage.py
screenshots``): tooling apart from the product, which never imports it."""
