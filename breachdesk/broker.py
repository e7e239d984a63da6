"""The Redis broker of django-q2 with one client per process (`Q_CLUSTER["broker_class"]`).

django-q2 builds a new broker for every `async_task`, and its Redis broker a new client, so
each task queued opened a new connection pool and TCP connection (with its handshake): about
1.3 ms per task, more than a PostgreSQL statement, on every alert that opens an incident.
This broker keeps one client per process; redis-py's clients are thread-safe and their pool
starts afresh after a fork (gunicorn and qcluster workers)."""

from functools import cache

import redis
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf


@cache
def _client(url: str) -> redis.Redis:
    return redis.from_url(url)


class SharedRedis(Redis):
    @staticmethod
    def get_connection(list_key: str | None = None) -> redis.Redis:
        return _client(Conf.REDIS)
