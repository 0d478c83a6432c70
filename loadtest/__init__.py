"""`make loadtest`: locust against gunicorn on loopback (see loadtest/run.py)."""
