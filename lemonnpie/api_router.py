"""The one DRF router. Each domain app registers its viewsets in `<app>/api/routes.py`:

def register(router): router.register("reviews", ReviewViewSet, basename="review")
urlpatterns = [...]   # optional plain views, built with optional_slash_path()
"""

from importlib import import_module

from lemonnpie.api.routers import OptionalSlashRouter

DOMAIN_APPS = ("accounts", "catalog", "reviews", "social", "moderation", "analytics", "notifications")

router = OptionalSlashRouter()
extra_urlpatterns = []
for _app in DOMAIN_APPS:
    _routes = import_module(f"{_app}.api.routes")
    extra_urlpatterns += getattr(_routes, "urlpatterns", [])
    _routes.register(router)

urlpatterns = extra_urlpatterns + router.urls
