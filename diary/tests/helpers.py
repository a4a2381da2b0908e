"""Independent recounts of the diary's counters, computed with the ORM from the rows
(deliberately not through diary.recompute, which is itself under test)."""

from accounts.models import User
from diary.models import DiaryEntry, FilmRating, MovieAudience
from reviews.models import Review


def watched_recount(user_id) -> int:
    logged = set(DiaryEntry.objects.filter(user_id=user_id).values_list("movie_id", flat=True))
    reviewed = set(
        Review.objects.filter(user_id=user_id, moderation_status="approved").values_list("movie_id", flat=True)
    )
    return len(logged | reviewed)


def audience_recount(movie_id) -> tuple[int, int]:
    reviewers = set(
        Review.objects.filter(movie_id=movie_id, moderation_status="approved").values_list("user_id", flat=True)
    )
    ratings = [
        r
        for u, r in FilmRating.objects.filter(movie_id=movie_id).values_list("user_id", "rating")
        if u not in reviewers
    ]
    return len(ratings), sum(ratings)


def audience_stored(movie_id) -> tuple[int, int]:
    row = MovieAudience.objects.filter(movie_id=movie_id).values_list("rating_count", "rating_sum").first()
    return row or (0, 0)


def watched_stored(user_id) -> int:
    return User.objects.values_list("movies_watched", flat=True).get(pk=user_id)
