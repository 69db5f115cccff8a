"""`filiera vocabulary`: load the shipped multilingual vocabulary into the database (create or update by slug)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from filiera.core.vocabulary import sync_vocabulary


class Command(BaseCommand):
    help = "Create or update the concepts of the shipped multilingual vocabulary (en, it, da, es, de), by slug."

    def handle(self, *args, **options):
        result = sync_vocabulary()
        self.stdout.write(
            f"vocabulary: {result.created} concepts created, {result.updated} updated, {result.unchanged} unchanged"
        )
