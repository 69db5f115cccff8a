"""`filiera demo`: load realistic, deterministic demo data and print one account per role.

The accounts share one password, printed with them: the demo is for trying Filiera out, never for a server that
holds real data.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from filiera.demo.loader import demo_accounts, demo_password, demo_present, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo: the clusters of the seed articles, 380+ organisations, people, 240+ opportunities and one "
        "account per role. Does nothing if the database already has clusters. For demonstrations only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Load only into a database without clusters (this is always the case; the flag is for scripts).",
        )
        parser.add_argument("--accounts", action="store_true", help="Only print the demo accounts.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # Its accounts have a published password, a superuser among them.
            raise CommandError("The demo data is never loaded in production (FILIERA_PRODUCTION=1).")
        if options["accounts"]:
            self.print_accounts()
            return
        if demo_present():
            self.stdout.write("Demo data already present (the database has clusters): nothing changed.")
            self.print_accounts()
            return
        started = time.monotonic()
        counts = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
        languages = ", ".join(f"{lang} {n}" for lang, n in counts["opportunity_languages"].items())
        self.stdout.write(
            f"  clusters {counts['clusters']}, networks {counts['networks']}, "
            f"excellence labels {counts['excellence_labels']}, value chains {counts['value_chains']}, "
            f"concepts {counts['concepts']}\n"
            f"  organisations {counts['organisations']} ({counts['named_organisations']} named in the seed articles, "
            f"{counts['fictional_organisations']} fictional), memberships {counts['memberships']}, "
            f"people {counts['people']}\n"
            f"  opportunities {counts['opportunities']} ({languages}), events {counts['events']}, "
            f"challenges {counts['challenges']}\n"
            f"  accounts {counts['accounts']}"
        )
        self.print_accounts()

    def print_accounts(self) -> None:
        existing = set(
            get_user_model().objects.filter(username__in=[a["username"] for a in demo_accounts()])
            .values_list("username", flat=True)
        )
        accounts = [a for a in demo_accounts() if a["username"] in existing]
        if not accounts:
            self.stdout.write("No demo accounts in this database. Run `filiera demo` on an empty database.")
            return
        self.stdout.write(
            f"\nDemo accounts — password for all: {demo_password()} "
            "(demo only: never use it on a server with real data)"
        )
        rows = [("username", "role", "where")] + [(a["username"], a["role"], a["where"]) for a in accounts]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for username, role, where in rows:
            self.stdout.write(f"  {username.ljust(widths[0])}  {role.ljust(widths[1])}  {where}")
