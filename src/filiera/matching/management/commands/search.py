"""`filiera search "TEXT"`: organisations and opportunities matching a text in any language, with reasons."""

from __future__ import annotations

from filiera.core.models import Cluster
from filiera.matching.management.commands._common import MatchingCommand, UsageError
from filiera.matching.services import WHAT, MatchingError, SearchFilters, search


class Command(MatchingCommand):
    help = "Search organisations and opportunities in any language; results best first, each with its reasons."

    def add_arguments(self, parser):
        parser.add_argument("text", help="What to look for, in any language.")
        parser.add_argument("--lang", default="", help="The text's language (en, it, da, es, de, fr, ca); "
                                                       "detected when not given.")
        parser.add_argument("--what", default="all", help="organisations, opportunities or all (default).")
        parser.add_argument("--cluster", default="", help="Only members of this cluster (its slug).")
        self.add_common(parser)

    def handle(self, *args, **options):
        try:
            if options["top"] < 1:
                raise UsageError("--top must be at least 1")
            if options["what"] not in WHAT:
                raise UsageError(f"unknown --what {options['what']!r}: use organisations, opportunities or all")
            filters = SearchFilters()
            if options["cluster"]:
                if not Cluster.objects.filter(slug=options["cluster"]).exists():
                    raise UsageError(f"unknown cluster {options['cluster']!r}")
                filters.cluster = [options["cluster"]]
            matches = search(self.viewer(options), options["text"], language=options["lang"] or None,
                             what=options["what"], filters=filters, top=options["top"])
        except (UsageError, MatchingError) as exc:
            self.fail(str(exc))
        self.output(matches, options)
