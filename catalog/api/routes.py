"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from catalog.api.views import MovieViewSet, SeriesViewSet

urlpatterns = []


def register(router):
    router.register("movies", MovieViewSet, basename="movie")
    router.register("series", SeriesViewSet, basename="series")
