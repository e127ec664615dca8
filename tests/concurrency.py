"""Helpers for the races the database must settle (PostgreSQL, real threads, each on its own
connection). Rows a test needs are committed from another thread, so the racing threads see them,
and removed the same way afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")


def in_thread(fn: Callable, *args):
    """Run fn on a connection of its own (its writes are committed when it returns)."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=target)
    t.start()
    t.join(timeout=300)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def race(n: int, fn: Callable, *, wait: float = 20) -> list:
    """fn on n threads released together: each result, the code of an ApplicationError it raised
    (a refusal), or any other exception it raised."""
    from gongzhi.core.errors import ApplicationError

    barrier = threading.Barrier(n)
    results: list = []

    def target():
        try:
            barrier.wait(wait)
            results.append(fn())
        except ApplicationError as exc:
            results.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - the caller asserts on it
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results
