import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "filiera.settings")
application = get_wsgi_application()

# What the process loaded at start-up lives as long as the process: freeze it, so that Python's full garbage
# collections stop walking it on every pass (the KPI dashboard's p95 halves: bench/dashboard.py, docs/benchmarks.md).
gc.collect()
gc.freeze()
