"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from catalog.api.home import HomeViewSet
from catalog.api.people import GenreViewSet, LanguageViewSet, PersonViewSet
from catalog.api.views import MovieViewSet, SeriesViewSet

urlpatterns = []


def register(router):
    router.register("movies", MovieViewSet, basename="movie")
    router.register("series", SeriesViewSet, basename="series")
    router.register("people", PersonViewSet, basename="person")
    router.register("genres", GenreViewSet, basename="genre")
    router.register("languages", LanguageViewSet, basename="language")
    router.register("home", HomeViewSet, basename="home")
