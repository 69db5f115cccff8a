"""`filiera digest [--dry-run] [--now ISO]`: send the weekly digests now, or count what would be sent."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from filiera.matching.digest import send_weekly_digests


def parse_now(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now {value!r} is not an ISO date or date-time, e.g. 2025-03-03T07:00") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = ("Send the weekly digest of new matching opportunities to every subscriber who has at least one and "
            "received none in the last six days.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the emails without sending any.")
        parser.add_argument("--now", default="", help="Act as if it were this moment (ISO 8601, local time if naive).")

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options["now"] else None
        report = send_weekly_digests(now=now, dry_run=options["dry_run"])
        sent = "would send" if options["dry_run"] else "sent"
        self.stdout.write(
            f"subscribers {report.subscribers}, {sent} {report.sent}, skipped empty {report.skipped_empty}, "
            f"skipped recent {report.skipped_recent}, failed {report.failed}"
        )
