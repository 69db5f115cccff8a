"""`filiera schedule INSTANCE.json [--time-limit SECONDS] [--out RESULT.json]`: B2B meetings into slots and tables
(formats in docs/scheduling.md). An invalid instance gives every problem found and exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from filiera.events.scheduling import InvalidInstance, first_come, parse_instance, solve


class Command(BaseCommand):
    help = "Schedule the one-to-one and group meetings of a brokerage event from a JSON instance."

    def add_arguments(self, parser):
        parser.add_argument("instance", help="The instance: a JSON file (docs/scheduling.md), or - for stdin.")
        parser.add_argument("--time-limit", type=float, default=30.0,
                            help="Seconds for the whole solve (default 30).")
        parser.add_argument("--out", default="", help="Write the result here instead of printing it.")
        parser.add_argument("--method", default="cp-sat", choices=["cp-sat", "greedy", "first-come"],
                            help="cp-sat (default): CP-SAT warm-started by the greedy with local search; greedy: "
                                 "the greedy with local search alone; first-come: the baseline, requests booked "
                                 "as they come in the earliest slot.")

    def fail(self, message: str):
        raise CommandError(message, returncode=2)

    def handle(self, *args, **options):
        if options["time_limit"] <= 0:
            self.fail("--time-limit must be more than 0 seconds")
        source = options["instance"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"cannot read {source}: {exc}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail(f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        try:
            instance = parse_instance(data)
            if options["method"] == "first-come":
                result = first_come(instance)
            else:
                result = solve(instance, time_limit=options["time_limit"], use_solver=options["method"] == "cp-sat")
        except InvalidInstance as exc:
            count = len(exc.problems)
            self.fail(f"{source} is not a valid instance ({count} problem{'s' if count > 1 else ''}), nothing was "
                      f"scheduled:\n" + "\n".join(f"  {problem}" for problem in exc.problems))
        output = json.dumps(result.to_json(), ensure_ascii=False, indent=1)
        if options["out"]:
            Path(options["out"]).write_text(output + "\n", encoding="utf-8")
            f = result.figures
            self.stdout.write(f"{f.scheduled} of {f.meetings} meetings scheduled, priority {f.scheduled_priority} "
                              f"of at most {f.upper_bound}{' (optimal)' if f.optimal else ''}, {f.idle_gaps} idle "
                              f"gaps, {f.table_changes} table changes, {f.solve_seconds:.1f} s -> {options['out']}")
        else:
            self.stdout.write(output)
