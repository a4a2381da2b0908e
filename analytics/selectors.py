"""Read-only numbers for the back-office, computed by database aggregation over the other apps' rows."""

import datetime

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from lemonnpie.ratings import average
from moderation.models import Report, ReportStatus
from moderation.selectors import moderation_queue_filter
from reviews.models import ModerationStatus, Review, ReviewVote

DASHBOARD_TTL = 60
ANALYTICS_TTL = 5 * 60
TOP_MOVIES = 10


def dashboard_counts() -> dict:
    """Headline counts for moderators and admins (cached for a minute)."""
    cached = cache.get("analytics:dashboard")
    if cached is not None:
        return cached
    week_ago = timezone.now() - datetime.timedelta(days=7)
    users = User.objects.aggregate(total=Count("id"), recent=Count("id", filter=Q(created_at__gte=week_ago)))
    reviews = Review.objects.aggregate(
        total=Count("id", filter=Q(moderation_status=ModerationStatus.APPROVED)),
        recent=Count("id", filter=Q(created_at__gte=week_ago)),
        pending=Count("id", filter=moderation_queue_filter()),
    )
    counts = {
        "users": users["total"],
        "movies": Movie.objects.count(),
        "reviews": reviews["total"],
        "open_reports": Report.objects.filter(status=ReportStatus.OPEN).count(),
        "pending_moderation": reviews["pending"],
        "signups_last_7_days": users["recent"],
        "reviews_last_7_days": reviews["recent"],
    }
    cache.set("analytics:dashboard", counts, DASHBOARD_TTL)
    return counts


def _daily(queryset, field: str, start: datetime.date, days: int) -> list[dict]:
    """Counts per UTC day for `days` days from `start`, with the empty days filled in as 0."""
    rows = (
        queryset.filter(**{f"{field}__date__gte": start})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    by_day = {row["day"]: row["n"] for row in rows}
    return [
        {"date": day, "count": by_day.get(day, 0)}
        for day in (start + datetime.timedelta(days=offset) for offset in range(days))
    ]


def _top_movies(*, by_rating: bool, min_reviews: int) -> list[dict]:
    movies = Movie.objects.filter(review_count__gt=0)
    if by_rating:
        movies = movies.filter(review_count__gte=min_reviews).order_by("-lemon_pie_rating", "-review_count", "id")
    else:
        movies = movies.order_by("-review_count", "-lemon_pie_rating", "id")
    return [
        {
            "id": m["id"],
            "title": m["title"],
            "review_count": m["review_count"],
            "lemon_pie_rating": average(m["rating_sum"], m["review_count"]),
        }
        for m in movies.values("id", "title", "review_count", "rating_sum")[:TOP_MOVIES]
    ]


def analytics_report(*, days: int, min_reviews: int = 3) -> dict:
    """Time series and breakdowns for the admin analytics page (cached for five minutes)."""
    key = f"analytics:report:{days}:{min_reviews}:{timezone.now().date().isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    start = timezone.now().date() - datetime.timedelta(days=days - 1)
    approved = Review.objects.filter(moderation_status=ModerationStatus.APPROVED)
    distribution = dict(approved.values_list("lemon_pie_rating").annotate(n=Count("id")).order_by())
    total = sum(distribution.values())
    languages = approved.values("review_language").annotate(n=Count("id")).order_by("-n", "review_language")
    report = {
        "days": days,
        "start": start,
        "signups": _daily(User.objects.all(), "created_at", start, days),
        "reviews": _daily(Review.objects.all(), "created_at", start, days),
        "votes": _daily(ReviewVote.objects.all(), "created_at", start, days),
        "reports": _daily(Report.objects.all(), "created_at", start, days),
        "top_movies_by_reviews": _top_movies(by_rating=False, min_reviews=min_reviews),
        "top_movies_by_rating": _top_movies(by_rating=True, min_reviews=min_reviews),
        "min_reviews_for_rating": min_reviews,
        "rating_distribution": {str(value): distribution.get(value, 0) for value in range(1, 11)},
        "language_share": [
            {"language": row["review_language"], "count": row["n"], "share": round(row["n"] / total, 4)}
            for row in languages
        ],
    }
    cache.set(key, report, ANALYTICS_TTL)
    return report
