import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health: database check failed", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        return False


def _check_cache() -> bool:
    try:
        cache.set("health:probe", "ok", 5)
        return cache.get("health:probe") == "ok"
    except Exception:
        logger.warning("health: cache check failed", exc_info=True)
        return False


@never_cache
@require_GET
def health(request):
    """200 when the database answers (a cache outage degrades, it does not take us down); else 503."""
    database_ok = _check_database()
    cache_ok = _check_cache()
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "unavailable",
        "cache": "ok" if cache_ok else "unavailable",
    }
    return JsonResponse(body, status=200 if database_ok else 503)
