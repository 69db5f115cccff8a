"""Shared by `filiera search` and `filiera recommend`: bad input is a clear message and exit code 2."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from filiera.core.access import viewer_for


class UsageError(Exception):
    pass


class MatchingCommand(BaseCommand):
    def add_common(self, parser) -> None:
        parser.add_argument("--top", type=int, default=10, help="How many results (default 10).")
        parser.add_argument("--json", action="store_true", help="Print a JSON list of results.")
        parser.add_argument(
            "--as-user", default="",
            help="See only what this user may see (default: what a visitor sees: public, published profiles).")

    def viewer(self, options):
        from django.contrib.auth import get_user_model

        username = options.get("as_user")
        if not username:
            return viewer_for(None)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise UsageError(f"unknown user {username!r}")
        return viewer_for(user)

    def fail(self, message: str):
        self.stderr.write(f"error: {message}")
        sys.exit(2)

    def output(self, matches, options) -> None:
        rows = [m.as_json() for m in matches]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        if not rows:
            self.stdout.write("no results")
        for i, row in enumerate(rows, 1):
            why = row["why"]
            reasons = [", ".join(c["label"] for c in why["concepts"]), ", ".join(why["words"])]
            if why["semantic"] is not None:
                reasons.append(f"closeness {why['semantic']:.2f}")
            reasons += why["reasons"]
            self.stdout.write(f"{i:>3}. {row['score']:.3f}  {row['kind']:<12} {row['ref']:<14} {row['name']}")
            self.stdout.write("      " + " · ".join(r for r in reasons if r))
