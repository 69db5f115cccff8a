"""`filiera reindex`: rebuild the matching index from the organisations and opportunities."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from filiera.matching.services import rebuild_index


class Command(BaseCommand):
    help = ("Re-analyse every organisation and opportunity into the matching index. Vectors of unchanged texts are "
            "kept unless --embeddings is given; the missing ones are computed by the task worker afterwards, or "
            "here with --now.")

    def add_arguments(self, parser):
        parser.add_argument("--embeddings", action="store_true", help="Recompute every vector too.")
        parser.add_argument("--now", action="store_true",
                            help="Compute the missing vectors in this command instead of the task worker "
                                 "(slow for a large corpus: tens of documents a second).")

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(kind, done, total):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {kind}: {done}/{total}")

        report = rebuild_index(reuse_vectors=not options["embeddings"], embed_now=options["now"],
                               progress=progress)
        self.stdout.write(
            f"reindexed {report.organisations} organisations and {report.opportunities} opportunities "
            f"(semantic backend: {report.embedded}) in {time.perf_counter() - started:.1f} s"
        )
        if report.queued_for_vectors:
            self.stdout.write(f"{report.queued_for_vectors} documents queued for their vectors (task worker)")
