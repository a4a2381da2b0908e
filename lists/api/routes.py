"""Routes of the lists on the one API router (see lemonnpie/api_router.py)."""

from lemonnpie.api.routers import optional_slash_path
from lists.api import views

urlpatterns = [
    optional_slash_path(r"users/(?P<user_id>[0-9a-fA-F-]{36})/lists", views.UserListsView.as_view(), name="user-lists"),
]


def register(router):
    router.register("lists", views.FilmListViewSet, basename="film-list")
