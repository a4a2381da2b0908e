"""What the diary endpoints read: ordered querysets, the privacy rule, the year in review."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet

from accounts.models import DiaryPrivacy, User
from diary import cache as diary_cache
from diary.models import ENTRY_FIELDS, DiaryEntry, FilmRating, MovieAudience
from lemonnpie.api.exceptions import NotFound
from social.models import Follow
from social.selectors import parse_uuid, user_public_get

ENTRY_MOVIE_FIELDS = ("movie__id", "movie__title", "movie__release_date", "movie__runtime", "movie__poster_url")


def diary_visible(*, viewer, owner: User) -> bool:
    """The owner always sees their diary; others per `owner.diary_privacy`."""
    if getattr(viewer, "pk", None) == owner.pk:
        return True
    if owner.diary_privacy == DiaryPrivacy.PUBLIC:
        return True
    if owner.diary_privacy == DiaryPrivacy.FOLLOWERS and getattr(viewer, "is_authenticated", False):
        return Follow.objects.filter(follower_id=viewer.pk, following_id=owner.pk).exists()
    return False


def diary_owner_for(*, viewer, user_id) -> User:
    """The user whose diary `viewer` asks for; unknown, suspended or hidden diaries are all 404
    (a private diary is not told apart from a missing user)."""
    owner = user_public_get(user_id=user_id)
    if not diary_visible(viewer=viewer, owner=owner):
        raise NotFound("This diary is not visible to you.")
    return owner


def diary_entries(*, user_id) -> QuerySet[DiaryEntry]:
    """A user's diary, most recently watched first (undated viewings last), film joined."""
    return (
        DiaryEntry.objects.filter(user_id=user_id)
        .select_related("movie")
        .only(
            "id",
            "user_id",
            *ENTRY_FIELDS,
            *(f"movie__{f.split('__')[1]}" for f in ENTRY_MOVIE_FIELDS),
        )
        .order_by("-watched_on", "-created_at", "-id")
    )


def diary_entry_get(*, user, entry_id) -> DiaryEntry:
    entry = diary_entries(user_id=user.pk).filter(pk=parse_uuid(entry_id)).first()
    if entry is None:
        raise NotFound("Diary entry not found.")
    return entry


def film_ratings(*, user_id) -> QuerySet[FilmRating]:
    return FilmRating.objects.filter(user_id=user_id).select_related("movie").order_by("-rated_at", "-id")


def movie_audience(*, movie_id) -> dict:
    """`{rating_count, rating_sum}` of a film's audience aggregate (zeros before the first rating)."""
    from catalog.models import Movie

    movie_id = parse_uuid(movie_id)
    if not Movie.objects.filter(pk=movie_id).exists():
        raise NotFound("Movie not found.")
    row = MovieAudience.objects.filter(movie_id=movie_id).values("rating_count", "rating_sum").first()
    return row or {"rating_count": 0, "rating_sum": 0}


# --- year in review ------------------------------------------------------------------------------

# One statement: the year's dated viewings (`e`) joined to their films, then every section as a
# JSON value computed from `e` (films, hours, months, languages, genres, top rated, people, streak).
_YEAR_SQL = """
WITH e AS (
    SELECT d.id, d.movie_id, d.watched_on, d.watched_precision, d.rating, d.rewatch, d.created_at,
           m.title, m.release_date, m.runtime, m.poster_url, m.genre_names, m.language_names
    FROM diary_entries d JOIN movies m ON m.id = d.movie_id
    WHERE d.user_id = %(user_id)s AND d.watched_on >= %(start)s AND d.watched_on < %(end)s
), days AS (
    SELECT DISTINCT watched_on AS day FROM e WHERE watched_precision = 'day'
), streaks AS (
    SELECT MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS length
    FROM (SELECT day, day - (ROW_NUMBER() OVER (ORDER BY day))::int AS grp FROM days) g GROUP BY grp
), people AS (
    SELECT c.role_type, c.actor_name AS name, COUNT(DISTINCT e.movie_id) AS films
    FROM e JOIN movie_cast c ON c.movie_id = e.movie_id
    WHERE c.role_type IN ('actor', 'director') GROUP BY c.role_type, c.actor_name
)
SELECT json_build_object(
    'entries', (SELECT COUNT(*) FROM e),
    'films', (SELECT COUNT(DISTINCT movie_id) FROM e),
    'rewatches', (SELECT COUNT(*) FROM e WHERE rewatch),
    'minutes', (SELECT COALESCE(SUM(runtime), 0) FROM e),
    'entries_without_runtime', (SELECT COUNT(*) FROM e WHERE runtime IS NULL),
    'average_rating', (SELECT ROUND(AVG(rating)::numeric, 2) FROM e WHERE rating IS NOT NULL),
    'by_month', (SELECT COALESCE(json_object_agg(month, n ORDER BY month), '{}'::json) FROM (
        SELECT EXTRACT(MONTH FROM watched_on)::int AS month, COUNT(*) AS n FROM e GROUP BY 1) x),
    'by_language', (SELECT COALESCE(json_agg(json_build_object('name', name, 'count', n) ORDER BY n DESC, name), '[]')
        FROM (SELECT unnest(language_names) AS name, COUNT(*) AS n FROM e
              GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(top)s) x),
    'by_genre', (SELECT COALESCE(json_agg(json_build_object('name', name, 'count', n) ORDER BY n DESC, name), '[]')
        FROM (SELECT unnest(genre_names) AS name, COUNT(*) AS n FROM e GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(top)s) x),
    'top_rated', (SELECT COALESCE(json_agg(x ORDER BY x.rating DESC, x.first_watched, x.movie_id), '[]') FROM (
        SELECT movie_id, MIN(title) AS title, MIN(release_date) AS release_date, MIN(poster_url) AS poster_url,
               MAX(rating) AS rating, MIN(watched_on) AS first_watched
        FROM e WHERE rating IS NOT NULL GROUP BY movie_id
        ORDER BY MAX(rating) DESC, MIN(watched_on), movie_id LIMIT %(top)s) x),
    'actors', (SELECT COALESCE(
        json_agg(json_build_object('name', name, 'films', films) ORDER BY films DESC, name), '[]')
        FROM (SELECT name, films FROM people WHERE role_type = 'actor' ORDER BY films DESC, name LIMIT %(top)s) x),
    'directors', (SELECT COALESCE(
        json_agg(json_build_object('name', name, 'films', films) ORDER BY films DESC, name), '[]')
        FROM (SELECT name, films FROM people WHERE role_type = 'director' ORDER BY films DESC, name LIMIT %(top)s) x),
    'longest_streak', (SELECT json_build_object('days', length, 'start', first_day, 'end', last_day)
        FROM streaks ORDER BY length DESC, first_day LIMIT 1),
    'first', (SELECT row_to_json(x) FROM (SELECT movie_id, title, release_date, poster_url, watched_on FROM e
        ORDER BY watched_on, (watched_precision = 'month'), created_at LIMIT 1) x),
    'last', (SELECT row_to_json(x) FROM (SELECT movie_id, title, release_date, poster_url, watched_on FROM e
        ORDER BY watched_on DESC, (watched_precision = 'day') DESC, created_at DESC LIMIT 1) x)
)
"""
YEAR_TOP = 10


def _compute_year(*, user_id, year: int) -> dict:
    params = {
        "user_id": user_id,
        "start": datetime.date(year, 1, 1),
        "end": datetime.date(year + 1, 1, 1),
        "top": YEAR_TOP,
    }
    with connection.cursor() as cursor:
        cursor.execute(_YEAR_SQL, params)
        data = cursor.fetchone()[0]
    minutes = data.pop("minutes")
    data["hours"] = round(minutes / 60, 1)
    data["by_month"] = {str(month): data["by_month"].get(str(month), 0) for month in range(1, 13)}
    data["average_rating"] = float(data["average_rating"]) if data["average_rating"] is not None else None
    return {"year": year, **data}


def year_in_review(*, user_id, year: int) -> dict:
    """The year in review of a user's dated viewings (day or month precision) in `year`; cached
    until their diary changes (see diary/cache.py). The caller checks privacy first."""
    key = diary_cache.year_key(user_id, year)
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    data = _compute_year(user_id=user_id, year=year)
    if key is not None:
        from django.conf import settings

        cache.set(key, data, settings.YEAR_IN_REVIEW_CACHE_SECONDS)
    return data
