import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
application = get_wsgi_application()


def _load_matching_index() -> None:
    """Load the matching index (and the query encoder) while the process starts, not in the first search it serves:
    tens of thousands of documents take seconds, during which a sync worker answers nobody (docs/benchmarks.md,
    "Load test"). A server that forks its workers after loading the application (--preload) loads it once."""
    from django.db import connections

    from filiera.matching.store import index_store

    try:
        index_store.get()
    except Exception:  # e.g. the database is not reachable yet: the first search loads the index then
        logging.getLogger(__name__).warning("The matching index was not loaded at start-up.", exc_info=True)
    finally:
        connections.close_all()  # workers forked after this must not share its database connection


_load_matching_index()

# What the process loaded at start-up lives as long as the process: freeze it, so that Python's full garbage
# collections stop walking it on every pass (the KPI dashboard's p95 halves: bench/dashboard.py, docs/benchmarks.md).
gc.collect()
gc.freeze()
