"""The hot paths' Review representation (API.md §6), built from `values()` rows in plain Python.

`review_dict(row)` is exactly what `ReviewSerializer` gives for the same review (same keys, order
and values; the tests compare them), without model instances or serializer fields built per
request. Rows come from `review_rows(queryset)` over a queryset annotated with `user_vote`
(`Review.objects.for_display(viewer)` or `.with_user_vote(viewer)`): one query, author and movie
title joined. The serializer stays the schema's source and serves everything else.
"""

from django.db.models import QuerySet

from catalog.representations import brief_columns, iso_datetime, movie_brief

REVIEW_COLUMNS = (
    "id",
    "movie_id",
    "user_id",
    "lemon_pie_rating",
    "review_text",
    "review_language",
    "spoiler_warning",
    "cultural_authenticity_rating",
    "production_quality_rating",
    "story_rating",
    "acting_rating",
    "cinematography_rating",
    "nollywood_tags",
    "helpful_votes",
    "unhelpful_votes",
    "created_at",
    "updated_at",
    "user_vote",
    *brief_columns("movie__"),
)
AUTHOR_COLUMNS = ("name", "bio", "location", "avatar_url", "role", "is_verified", "created_at")
AUTHOR_STATS_COLUMNS = ("review_count", "review_rating_sum", "followers_count", "following_count")


def review_rows(queryset: QuerySet, *, author_stats: bool = False) -> QuerySet:
    """`queryset` (filtered, ordered, with `user_vote`) as rows for `review_dict` (and, with
    `author_stats`, for `author_public`)."""
    author = AUTHOR_COLUMNS + (AUTHOR_STATS_COLUMNS if author_stats else ())
    return queryset.values(*REVIEW_COLUMNS, *(f"user__{column}" for column in author))


def author_brief(row: dict) -> dict:
    """UserBrief of the review's author (accounts.serializers.UserBriefSerializer)."""
    return {
        "id": str(row["user_id"]),
        "name": row["user__name"],
        "bio": row["user__bio"],
        "location": row["user__location"],
        "avatar_url": row["user__avatar_url"],
        "role": row["user__role"],
        "is_verified": row["user__is_verified"],
        "created_at": iso_datetime(row["user__created_at"]),
    }


def author_public(row: dict) -> dict:
    """UserPublic (brief + stats from the stored counters) of the author of an `author_stats` row."""
    count = row["user__review_count"]
    data = author_brief(row)
    data["stats"] = {
        "total_reviews": count,
        "average_rating": round(row["user__review_rating_sum"] / count, 2) if count else None,
        "followers_count": row["user__followers_count"],
        "following_count": row["user__following_count"],
        "movies_watched": count,
    }
    return data


def review_dict(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "movie_id": str(row["movie_id"]),
        "movie": movie_brief(row),
        "user": author_brief(row),
        "lemon_pie_rating": row["lemon_pie_rating"],
        "review_text": row["review_text"],
        "review_language": row["review_language"],
        "spoiler_warning": row["spoiler_warning"],
        "cultural_authenticity_rating": row["cultural_authenticity_rating"],
        "production_quality_rating": row["production_quality_rating"],
        "story_rating": row["story_rating"],
        "acting_rating": row["acting_rating"],
        "cinematography_rating": row["cinematography_rating"],
        "nollywood_tags": list(row["nollywood_tags"]),
        "helpful_votes": row["helpful_votes"],
        "unhelpful_votes": row["unhelpful_votes"],
        "helpfulness_score": row["helpful_votes"] - row["unhelpful_votes"],
        "user_vote": row["user_vote"],
        "created_at": iso_datetime(row["created_at"]),
        "updated_at": iso_datetime(row["updated_at"]),
    }


class CountedRows:
    """`review_rows(queryset)` for a paginator, counted on `queryset` itself: the joins that bring
    the author and the movie title would otherwise stay in the COUNT (they are inner joins, which
    Django cannot drop), tripling its cost on a busy title."""

    def __init__(self, queryset: QuerySet, **options):
        self.queryset = queryset
        self.rows = review_rows(queryset, **options)
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return self.rows[item]

    def __len__(self) -> int:
        return self.count()
