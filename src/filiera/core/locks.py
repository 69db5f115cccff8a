"""Locks that make whole use cases take turns across processes and machines, where no single row can be the lock:
two imports of overlapping files each plan against the directory and then write, so the second must plan only once
the first has committed, or both would create the same organisations (refs and slugs) from the same stale picture."""

from __future__ import annotations

import zlib

from django.db import connection


def take_turn(name: str) -> None:
    """Inside a transaction: wait until no other transaction holds the turn called `name`, then hold it until this
    transaction ends (commit or rollback). PostgreSQL uses a transaction-level advisory lock; SQLite needs nothing, as
    it lets one writer at a time in anyway."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("take_turn() holds its lock until the transaction ends: call it inside transaction.atomic")
    key = zlib.crc32(f"filiera:{name}".encode())  # a stable 32-bit key, the same in every process
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
