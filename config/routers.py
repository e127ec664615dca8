"""Database routing for a city-sized deployment (docs/deploy.md).

When a read replica is configured (DATABASE_REPLICA_URL → the `replica` alias), reads made
inside `replica_reads()` — the dashboard figures and search pages, which tolerate a second of
replication lag — go to it. Everything else, and every write, goes to the primary. Without a
replica the router answers None and Django uses `default`.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_use_replica: ContextVar[bool] = ContextVar("use_replica", default=False)


@contextlib.contextmanager
def replica_reads():
    """Within this block, reads go to the read replica when there is one."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def replica_reads_view(view):
    """Decorator for a read-only page (dashboard, search) whose reads may go to the replica."""
    import functools

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _use_replica.get() and getattr(settings, "GONGZHI_READ_REPLICA", ""):
            return settings.GONGZHI_READ_REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives its tables from the primary by replication.
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Send the reads of the pages named in GONGZHI_REPLICA_VIEWS (dashboards, searches; GET
    only) to the replica, so that the pages themselves need not know about it. Last in
    MIDDLEWARE, so that it only sees requests every other check has let through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _use_replica.set(False)
        try:
            return self.get_response(request)
        finally:
            _use_replica.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in getattr(settings, "GONGZHI_REPLICA_VIEWS", ())
        ):
            _use_replica.set(True)
        return None
