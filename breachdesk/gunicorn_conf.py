"""gunicorn configuration for production: `gunicorn -c python:breachdesk.gunicorn_conf`.

Every value can be changed from the environment (see docs/deploy.md). Request lines are
logged by BreachDesk itself (JSON, one per request, no personal data), so gunicorn's access
log is off. Prometheus request counters of all workers are added up through files in
PROMETHEUS_MULTIPROC_DIR, which is emptied when gunicorn starts.
"""

import os
import shutil
from pathlib import Path

from prometheus_client import multiprocess

_var = Path(os.environ.get("BREACHDESK_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "prometheus"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.production")

wsgi_app = "breachdesk.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (with jitter, so not all at once) to bound slow leaks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The reverse proxy in front sets X-Forwarded-Proto; only trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "breachdesk-web"


def on_starting(server):
    path = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
