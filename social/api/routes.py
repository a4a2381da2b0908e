"""Routes of this app on the one API router (see lemonnpie/api_router.py).

`users/feed`, `users/watchlist`, `users/favorites` and `upload/image` are plain paths (matched
before every router url); `users/{uuid}`, `.../followers`, `.../following`, `.../follow` come from
the router. `users/profile` (accounts) and `users/{uuid}/reviews` (reviews) belong to other apps.
"""

from lemonnpie.api.routers import optional_slash_path
from social.api import views

_UUID = views.UUID_REGEX

urlpatterns = [
    optional_slash_path(r"users/feed", views.FeedView.as_view(), name="user-feed"),
    optional_slash_path(r"users/watchlist", views.WatchlistView.as_view(), name="user-watchlist"),
    optional_slash_path(
        rf"users/watchlist/(?P<movie_id>{_UUID})", views.WatchlistEntryView.as_view(), name="user-watchlist-entry"
    ),
    optional_slash_path(r"users/favorites", views.FavoritesView.as_view(), name="user-favorites"),
    optional_slash_path(
        rf"users/favorites/(?P<movie_id>{_UUID})", views.FavoriteEntryView.as_view(), name="user-favorites-entry"
    ),
    optional_slash_path(r"upload/image", views.ImageUploadView.as_view(), name="upload-image"),
]


def register(router):
    router.register("users", views.UserViewSet, basename="social-user")
