"""A scratch PostgreSQL database for a benchmark, created fresh and dropped afterwards (shared by the scripts)."""

from __future__ import annotations

import os
import sys

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")


def postgres_url(name: str) -> str:
    """The URL of the database `name` on the benchmarks' PostgreSQL server."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def prepare_postgres(name: str) -> str | None:
    """Creates an empty database `name` and returns its URL, or None (with a message) when PostgreSQL is not there."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # a server a failed run left connected
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping its pass", file=sys.stderr)
        return None
    return postgres_url(name)


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
