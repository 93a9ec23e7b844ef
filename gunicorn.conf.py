"""gunicorn's settings for the khub image (read from the working directory, /app; the Dockerfile's CMD adds
the address and the access log). Workers and threads were chosen by measurement with benchmarks/load.py on
a 2-core machine (README, "Production shape"): override them per deployment with WEB_CONCURRENCY and
GUNICORN_THREADS."""

import os

# Processes: about two per core, since a request waits on PostgreSQL and Redis for part of its time.
# Threads per process (gthread) let a process go on while one request waits.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Connections kept open between requests from the proxy in front: above its keep-alive, below gunicorn's
# own timeout.
keepalive = 5
timeout = 30
