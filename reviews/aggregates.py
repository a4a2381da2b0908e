"""What one review adds to its movie's and its author's stored aggregates, applied in SQL.

A review counts only while it is approved. Its contribution to the movie is: one review, its
overall rating in `rating_sum` and in `rating_count_<rating>`, each sub-rating in `<sub>_sum`,
and — when `by_critic` — one critic review and its rating in `critic_rating_sum`. Every change
(create, edit, delete, hide, restore) applies `contribution(after) - contribution(before)` with
`F(column) + delta`, so concurrent writers never overwrite each other's counts.
"""

from collections import Counter

from django.db.models import F

from accounts.models import User
from catalog.models import SUB_RATINGS, Movie
from reviews.models import ModerationStatus

RATING_VALUES = range(1, 11)
DISTRIBUTION_FIELDS = tuple(f"rating_count_{value}" for value in RATING_VALUES)
SUB_SUM_FIELDS = tuple(f"{sub}_sum" for sub in SUB_RATINGS)
MOVIE_AGGREGATE_FIELDS = (
    "review_count",
    "rating_sum",
    *DISTRIBUTION_FIELDS,
    *SUB_SUM_FIELDS,
    "critic_count",
    "critic_rating_sum",
)
USER_AGGREGATE_FIELDS = ("review_count", "review_rating_sum")


def is_counted(review) -> bool:
    return review.moderation_status == ModerationStatus.APPROVED


def movie_contribution(review) -> Counter:
    """Columns of the movie row this review adds to (empty when it is not approved)."""
    if not is_counted(review):
        return Counter()
    rating = review.lemon_pie_rating
    out = Counter({"review_count": 1, "rating_sum": rating, f"rating_count_{rating}": 1})
    for sub in SUB_RATINGS:
        out[f"{sub}_sum"] = getattr(review, f"{sub}_rating")
    if review.by_critic:
        out["critic_count"] = 1
        out["critic_rating_sum"] = rating
    return out


def user_contribution(review) -> Counter:
    if not is_counted(review):
        return Counter()
    return Counter({"review_count": 1, "review_rating_sum": review.lemon_pie_rating})


def delta(before: Counter, after: Counter) -> dict[str, int]:
    """Non-zero per-column differences `after - before` (Counter subtraction would drop negatives)."""
    keys = set(before) | set(after)
    return {key: after.get(key, 0) - before.get(key, 0) for key in keys if after.get(key, 0) != before.get(key, 0)}


def _apply(model, pk, changes: dict[str, int]) -> None:
    if changes:
        model.objects.filter(pk=pk).update(**{column: F(column) + change for column, change in changes.items()})


def apply_review_change(*, movie_id, user_id, before, after) -> bool:
    """Move the movie and author aggregates from review state `before` to `after` (either may be
    None). The caller holds the movie lock and then the review lock. Returns whether the movie changed."""
    empty = Counter()
    movie_changes = delta(
        movie_contribution(before) if before is not None else empty,
        movie_contribution(after) if after is not None else empty,
    )
    user_changes = delta(
        user_contribution(before) if before is not None else empty,
        user_contribution(after) if after is not None else empty,
    )
    _apply(Movie, movie_id, movie_changes)
    counted = int(after is not None and is_counted(after)) - int(before is not None and is_counted(before))
    if counted:
        # The diary owns `movies_watched` and the audience aggregate (ratings without a review).
        from diary.services import review_counted_changed

        review_counted_changed(user_id=user_id, movie_id=movie_id, change=counted)
    _apply(User, user_id, user_changes)  # the user row last: movie → review → vote → user
    return bool(movie_changes)
