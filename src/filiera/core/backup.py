"""Backups of the database and their restore, for `filiera backup` and `filiera restore`.

- SQLite: SQLite's online backup API copies the live database page by page into a new file while the site keeps
  running (readers and writers carry on; a write during the copy restarts the copy of the pages it touched). The
  file is a plain SQLite database. Restoring copies it back into the live database the same way.
- PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, the server keeps running); restoring runs
  `pg_restore --clean --if-exists --single-transaction`, so a failed restore changes nothing.

A backup is written to a temporary name and renamed when complete, so a crash never leaves half a file under the
name given. A restore checks first that the file is a backup of the same kind of database and of Filiera (it has
the migrations table), and says what is wrong otherwise. Uploaded files (media: evidence documents) are not in the
database: back up the media folder with it (README, Production).

`table_digests` gives each table's row count and a digest of its rows in a stable order: what the round-trip test
compares, table by table.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """What is wrong, said for the person running the command."""


@dataclass
class Result:
    path: Path
    vendor: str
    bytes: int
    tables: int


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """pg_dump / pg_restore arguments and environment for the connection's database (the password stays out of the
    command line, which other users of the machine can read)."""
    settings = connection.settings_dict
    args = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup(path: Path) -> Result:
    """Write a backup of the database to `path` (replaced if it exists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    vendor = connection.vendor
    try:
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif vendor == "postgresql":
            args, env = _pg_environment()
            _run([_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args,
                  "--file", str(partial)], env)
        else:
            raise BackupError(f"backups of a {vendor} database are not supported")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Result(path, vendor, path.stat().st_size, len(connection.introspection.table_names()))


def _check(path: Path, vendor: str) -> None:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        head = file.read(16)
    kinds = {"sqlite": SQLITE_HEADER, "postgresql": PG_DUMP_HEADER}
    if not head.startswith(kinds.get(vendor, b"\x00")):
        other = next((name for name, header in kinds.items() if head.startswith(header)), None)
        if other is not None:
            raise BackupError(f"{path} is a backup of a {other} database; this site runs on {vendor}")
        raise BackupError(f"{path} is not a Filiera backup (neither a SQLite database nor a pg_dump archive)")
    if vendor == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = source.execute("SELECT name FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
        if found is None:
            raise BackupError(f"{path} is a SQLite database, but not one of Filiera (no migrations table)")
    else:
        listing = subprocess.run([_program("pg_restore"), "--list", str(path)], capture_output=True, text=True)
        if listing.returncode != 0:
            raise BackupError(f"{path} is not a readable pg_dump archive: {listing.stderr.strip()}")
        if "django_migrations" not in listing.stdout:
            raise BackupError(f"{path} is a pg_dump archive, but not one of Filiera (no migrations table)")


def restore(path: Path) -> Result:
    """Replace the whole database with the backup at `path`."""
    path = Path(path)
    vendor = connection.vendor
    _check(path, vendor)
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_environment()
        connection.close()  # our own session must not hold a lock on a table pg_restore drops
        _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *args, str(path)], env)
    return Result(path, vendor, path.stat().st_size, len(connection.introspection.table_names()))


def table_digests() -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows, read in the order of all their columns."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            quoted = connection.ops.quote_name(table)
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608 - names from introspection
            digest, rows = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
                rows += 1
            digests[table] = (rows, digest.hexdigest())
    return digests
