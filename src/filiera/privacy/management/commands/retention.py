"""`filiera retention [--dry-run]`: erase, platform-wide, the people of organisations whose every membership is
lapsed, left or rejected and ended more than FILIERA_RETENTION_MONTHS ago. The task worker runs it every week."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from filiera.core.audit import acting_as
from filiera.privacy import services


class Command(BaseCommand):
    help = "Erase the people whose organisation's memberships all ended longer ago than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the people due without erasing anyone.")

    def handle(self, *args, **options):
        if options["dry_run"]:
            for person in services.due_for_erasure():
                self.stdout.write(f"person #{person.pk} of {person.organisation.name} (organisation "
                                  f"#{person.organisation_id})")
        with acting_as(None, label="retention"):
            run = services.apply_retention(dry_run=options["dry_run"])
        if run.dry_run:
            self.stdout.write(f"would erase {run.due} people")
        else:
            self.stdout.write(f"erased {len(run.erased)} of {run.due} people due")
