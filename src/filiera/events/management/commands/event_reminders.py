"""`filiera event_reminders [--dry-run]`: remind the confirmed registrants of the events that start within 36 hours
(each person once). The task worker runs it every hour."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from filiera.events.services import send_reminders


class Command(BaseCommand):
    help = "Remind confirmed registrants of events starting within 36 hours (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the reminders without sending any.")

    def handle(self, *args, **options):
        count = send_reminders(dry_run=options["dry_run"])
        self.stdout.write(f"{'would send' if options['dry_run'] else 'sent'} {count} reminders")
