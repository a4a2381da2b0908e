import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Cast, Sqrt

from reviews.querysets import ReviewQuerySet


class ModerationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class VoteType(models.TextChoices):
    HELPFUL = "helpful", "Helpful"
    UNHELPFUL = "unhelpful", "Unhelpful"


RATING_FIELDS = (
    "lemon_pie_rating",
    "cultural_authenticity_rating",
    "production_quality_rating",
    "story_rating",
    "acting_rating",
    "cinematography_rating",
)


def _rating_in_range(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 10}), name=f"reviews_{field}_1_10"
    )


WILSON_Z = 1.96  # 95% confidence


def _wilson_lower_bound():
    """Lower bound of the Wilson score interval for helpful / (helpful + unhelpful), 0 without votes.

    Written over counts (h helpful of n): (h + z²/2 - z·sqrt(h(n-h)/n + z²/4)) / (n + z²), so one
    early helpful vote (0.21) ranks below 40 helpful of 45 (0.76)."""
    h = Cast(F("helpful_votes"), FloatField())
    n = Cast(F("helpful_votes") + F("unhelpful_votes"), FloatField())
    z = Value(WILSON_Z)
    z2 = Value(WILSON_Z * WILSON_Z)
    bound = (h + z2 / Value(2.0) - z * Sqrt(h * (n - h) / n + z2 / Value(4.0))) / (n + z2)
    return Case(
        When(helpful_votes=0, then=Value(0.0)),
        default=bound,
        output_field=FloatField(),
    )


class Review(models.Model):
    """One user's review of one movie. Only `approved` reviews count in any aggregate or list."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="reviews")
    lemon_pie_rating = models.PositiveSmallIntegerField()
    review_text = models.TextField()
    review_language = models.CharField(max_length=10, default="en")
    spoiler_warning = models.BooleanField(default=False)
    cultural_authenticity_rating = models.PositiveSmallIntegerField()
    production_quality_rating = models.PositiveSmallIntegerField()
    story_rating = models.PositiveSmallIntegerField()
    acting_rating = models.PositiveSmallIntegerField()
    cinematography_rating = models.PositiveSmallIntegerField()
    nollywood_tags = ArrayField(models.CharField(max_length=40), size=10, default=list, blank=True)
    helpful_votes = models.PositiveIntegerField(default=0)
    unhelpful_votes = models.PositiveIntegerField(default=0)
    is_flagged = models.BooleanField(default=False)
    moderation_status = models.CharField(
        max_length=10, choices=ModerationStatus.choices, default=ModerationStatus.APPROVED
    )
    # Whether this review's rating is counted in its movie's critic score (when approved). Set from
    # the author's role whenever the review is counted, so removing it subtracts exactly what was
    # added even if the role changed since; `review_author_role_sync` / recompute_stats realign it.
    by_critic = models.BooleanField(default=False, editable=False)
    # Stored by PostgreSQL and recomputed whenever the vote counters change (in SQL, with F()).
    helpfulness_wilson = models.GeneratedField(
        expression=_wilson_lower_bound(), output_field=FloatField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        db_table = "reviews"
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="reviews_one_per_user_movie"),
            *[_rating_in_range(field) for field in RATING_FIELDS],
            models.CheckConstraint(
                condition=Q(moderation_status__in=ModerationStatus.values), name="reviews_status_valid"
            ),
            # array_length() of an empty array is NULL, which a CHECK lets through.
            models.CheckConstraint(condition=Q(nollywood_tags__len__lte=10), name="reviews_at_most_10_tags"),
        ]
        indexes = [
            models.Index(fields=["movie", "-created_at"], name="reviews_movie_created_idx"),
            models.Index(fields=["user", "-created_at"], name="reviews_user_created_idx"),
            models.Index(fields=["-created_at"], name="reviews_created_idx"),
            models.Index(fields=["moderation_status", "is_flagged"], name="reviews_moderation_idx"),
            GinIndex(fields=["nollywood_tags"], name="reviews_tags_gin"),
            models.Index(
                "movie",
                F("helpfulness_wilson").desc(),
                F("helpful_votes").desc(),
                F("created_at").desc(),
                "id",
                name="reviews_movie_helpful_idx",
                condition=Q(moderation_status="approved"),
            ),
            models.Index(
                F("created_at").desc(),
                "id",
                name="reviews_approved_created_idx",
                condition=Q(moderation_status="approved"),
            ),
        ]

    def __str__(self):
        return f"{self.user_id} on {self.movie_id}: {self.lemon_pie_rating}/10"

    @property
    def helpfulness_score(self) -> int:
        return self.helpful_votes - self.unhelpful_votes


class ReviewVote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_votes")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    vote_type = models.CharField(max_length=10, choices=VoteType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "review_votes"
        constraints = [
            models.UniqueConstraint(fields=["user", "review"], name="review_votes_one_per_user"),
            models.CheckConstraint(condition=Q(vote_type__in=VoteType.values), name="review_votes_type_valid"),
        ]
        indexes = [models.Index(fields=["review", "vote_type"], name="review_votes_review_idx")]

    def __str__(self):
        return f"{self.user_id} {self.vote_type} {self.review_id}"
