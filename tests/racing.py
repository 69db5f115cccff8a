"""Running use cases at the same moment, each in its own thread with its own database connection, lined up on a
barrier so that their transactions really overlap. Only PostgreSQL runs these races (SQLite serialises writers):
the tests that use `race` carry the `postgresql_only` marker and `django_db(transaction=True)`."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises writers)")


def race(*calls: Callable[[], object], timeout: float = 60) -> list[object]:
    """Runs every call at once; returns, in the order given, what each returned or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing transaction never finished (a deadlock?)"
    return outcomes
