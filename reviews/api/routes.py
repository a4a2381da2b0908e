"""Routes of this app on the one API router (see lemonnpie/api_router.py).

`movies/{uuid}/reviews` and `users/{uuid}/reviews` are plain paths: they are matched before every
router url, so the catalogue's and social's viewsets never see them."""

from lemonnpie.api.routers import optional_slash_path
from reviews.api.views import UUID_PATTERN, MovieReviewListView, ReviewViewSet, UserReviewListView

urlpatterns = [
    optional_slash_path(
        rf"movies/(?P<movie_id>{UUID_PATTERN})/reviews", MovieReviewListView.as_view(), name="movie-reviews"
    ),
    optional_slash_path(
        rf"users/(?P<user_id>{UUID_PATTERN})/reviews", UserReviewListView.as_view(), name="user-reviews"
    ),
]


def register(router):
    router.register("reviews", ReviewViewSet, basename="review")
