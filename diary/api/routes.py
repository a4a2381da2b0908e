"""Routes of the diary on the one API router (see lemonnpie/api_router.py).

`diary` and `diary/{id}` come from the router; the rest are plain paths, matched before every
router url (so `users/{id}/diary` wins over the social app's `users/{id}` routes)."""

from diary.api import views
from lemonnpie.api.routers import optional_slash_path

_UUID = "[0-9a-fA-F-]{36}"

urlpatterns = [
    optional_slash_path(r"diary/ratings", views.FilmRatingsView.as_view(), name="diary-ratings"),
    optional_slash_path(rf"diary/ratings/(?P<movie_id>{_UUID})", views.FilmRatingView.as_view(), name="diary-rating"),
    optional_slash_path(rf"users/(?P<user_id>{_UUID})/diary", views.UserDiaryView.as_view(), name="user-diary"),
    optional_slash_path(
        rf"users/(?P<user_id>{_UUID})/year/(?P<year>[0-9]{{4}})", views.YearInReviewView.as_view(), name="user-year"
    ),
    optional_slash_path(
        rf"movies/(?P<movie_id>{_UUID})/audience", views.MovieAudienceView.as_view(), name="movie-audience"
    ),
    optional_slash_path(r"users/export", views.ExportView.as_view(), name="user-export"),
    optional_slash_path(
        rf"users/export/(?P<export_id>{_UUID})/download/(?P<token>[A-Za-z0-9_-]{{1,100}})",
        views.ExportDownloadView.as_view(),
        name="user-export-download",
    ),
    optional_slash_path(r"users/import", views.ImportView.as_view(), name="user-import"),
    optional_slash_path(
        rf"users/import/(?P<import_id>{_UUID})", views.ImportStatusView.as_view(), name="user-import-status"
    ),
]


def register(router):
    router.register("diary", views.DiaryViewSet, basename="diary")
