"""Independent recounts for tests: what every stored aggregate must equal, computed with the ORM
from the rows (deliberately not through reviews.recompute, which is itself under test)."""

from django.db.models import Count, Q, Sum

from accounts.models import Role, User
from catalog.models import SUB_RATINGS, Movie
from reviews.models import Review, ReviewVote

MOVIE_FIELDS = (
    "review_count",
    "rating_sum",
    *(f"rating_count_{value}" for value in range(1, 11)),
    *(f"{sub}_sum" for sub in SUB_RATINGS),
    "critic_count",
    "critic_rating_sum",
)

GOOD_REVIEW = {
    "lemon_pie_rating": 8,
    "cultural_authenticity_rating": 9,
    "production_quality_rating": 6,
    "story_rating": 7,
    "acting_rating": 8,
    "cinematography_rating": 5,
    "review_text": "Funke Akindele carries this one; the Lagos market scenes feel real.",
}


def movie_recount(movie_id) -> dict:
    approved = Review.objects.filter(movie_id=movie_id, moderation_status="approved")
    critic = Q(user__role=Role.CRITIC)
    agg = approved.aggregate(
        review_count=Count("id"),
        rating_sum=Sum("lemon_pie_rating", default=0),
        critic_count=Count("id", filter=critic),
        critic_rating_sum=Sum("lemon_pie_rating", filter=critic, default=0),
        **{f"rating_count_{v}": Count("id", filter=Q(lemon_pie_rating=v)) for v in range(1, 11)},
        **{f"{sub}_sum": Sum(f"{sub}_rating", default=0) for sub in SUB_RATINGS},
    )
    return {field: agg[field] for field in MOVIE_FIELDS}


def movie_stored(movie_id) -> dict:
    return Movie.objects.values(*MOVIE_FIELDS).get(pk=movie_id)


def assert_movie_exact(movie_id):
    assert movie_stored(movie_id) == movie_recount(movie_id)


def assert_review_votes_exact(review_id):
    review = Review.objects.get(pk=review_id)
    votes = ReviewVote.objects.filter(review_id=review_id)
    assert review.helpful_votes == votes.filter(vote_type="helpful").count()
    assert review.unhelpful_votes == votes.filter(vote_type="unhelpful").count()


def assert_user_exact(user_id):
    user = User.objects.get(pk=user_id)
    approved = Review.objects.filter(user_id=user_id, moderation_status="approved")
    assert user.review_count == approved.count()
    assert user.review_rating_sum == (approved.aggregate(s=Sum("lemon_pie_rating"))["s"] or 0)


def assert_everything_exact():
    for movie_id in Movie.objects.values_list("pk", flat=True):
        assert_movie_exact(movie_id)
    for review_id in Review.objects.values_list("pk", flat=True):
        assert_review_votes_exact(review_id)
    for user_id in User.objects.values_list("pk", flat=True):
        assert_user_exact(user_id)


def counted_review(*, user, movie, rating: int = 8, **fields):
    """A review written through the services, so every aggregate includes it (for other apps' tests)."""
    from reviews.services import review_create

    return review_create(user=user, movie_id=movie.pk, **{**GOOD_REVIEW, "lemon_pie_rating": rating, **fields})
