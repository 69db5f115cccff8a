"""`filiera deliverable_reminders [--dry-run]`: tell each cluster's staff of the deliverables of its funded and
running projects that are due within two weeks or late (each deliverable once). The task worker runs it every
morning."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from filiera.projects.services import send_deliverable_reminders


class Command(BaseCommand):
    help = "Remind the staff of deliverables due within two weeks or late (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the deliverables without sending any.")

    def handle(self, *args, **options):
        count = send_deliverable_reminders(dry_run=options["dry_run"])
        self.stdout.write(f"{'would remind of' if options['dry_run'] else 'reminded of'} {count} deliverables")
