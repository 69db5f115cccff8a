"""The health check for monitoring and the deployment's smoke test: the database and the cache answer."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("filiera-health", "ok", 10)
        checks["cache"] = "ok" if cache.get("filiera-health") == "ok" else "error: value not kept"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
