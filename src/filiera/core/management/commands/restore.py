"""`filiera restore FILE --yes`: replace the whole database with a backup written by `filiera backup`. See
filiera.core.backup."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from filiera.core import backup


class Command(BaseCommand):
    help = "Replace the whole database with a backup made by `filiera backup` (asks for --yes)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup written by `filiera backup` on the same kind of database")
        parser.add_argument("--yes", action="store_true", help="yes, replace every record of the database")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError("restoring replaces every record of the database with the backup's: "
                               "run again with --yes to go ahead (and stop the site and the task worker first)")
        try:
            result = backup.restore(options["file"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored: {result.path} ({result.vendor}, {result.tables} tables)")
