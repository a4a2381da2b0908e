"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from catalog.api.home import HomeView
from catalog.api.people import GenreListView, LanguageListView, PersonViewSet
from catalog.api.views import MovieViewSet, SeriesViewSet
from lemonnpie.api.routers import optional_slash_path

urlpatterns = [
    optional_slash_path(r"home", HomeView.as_view(), name="home"),
    optional_slash_path(r"genres", GenreListView.as_view(), name="genre-list"),
    optional_slash_path(r"languages", LanguageListView.as_view(), name="language-list"),
]


def register(router):
    router.register("movies", MovieViewSet, basename="movie")
    router.register("series", SeriesViewSet, basename="series")
    router.register("people", PersonViewSet, basename="person")
