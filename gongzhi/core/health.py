"""/healthz: the process answers (no database). /readyz: the database, the task queue's table
and the cache answer; 503 with the names of those that did not. For load balancers and
orchestrators; no personal data, no login."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _task_queue() -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.exists()


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


CHECKS = {"database": _database, "task_queue": _task_queue, "cache": _cache}


@never_cache
@require_GET
def readyz(request):
    failed = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("readiness check %s failed", name)
            failed.append(name)
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok", "checked": list(CHECKS)})
