"""`filiera backup FILE`: a backup of the whole database while the site runs (SQLite online backup, or pg_dump's
custom format on PostgreSQL). See filiera.core.backup."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from filiera.core import backup


class Command(BaseCommand):
    help = "Back up the whole database to FILE (SQLite: online backup; PostgreSQL: pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup (replaced if it exists)")

    def handle(self, *args, **options):
        try:
            result = backup.backup(options["file"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup: {result.path} ({result.vendor}, {result.tables} tables, {result.bytes:,} bytes)")
