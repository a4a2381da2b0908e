"""Every write to the diary and to film ratings, with the counters they feed kept exact.

Two stored counters depend on what a user did with a film:
- `users.movies_watched`: the films the user logged in the diary or reviewed (an approved review);
- `movie_audience` (count, sum): each user's film rating while that user has no approved review of
  the film (a review's rating counts in the review aggregates instead).

Every writer of a user's diary entries, rating or review of a film holds that film's row lock
(movie → review → entry/rating → audience row → user, the reviews services' order), so "was this
the first source / is there a review" is decided by one writer at a time and each counter moves by
exactly one `F(column) + delta`. The reviews services call `review_counted_changed` when a review
starts or stops counting.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from accounts.models import User
from catalog.models import Movie
from diary import cache
from diary.models import DiaryEntry, FilmRating, MovieAudience, WatchedPrecision
from lemonnpie.api.exceptions import ApplicationError, NotFound
from lemonnpie.db.locking import locked_atomic
from reviews.models import ModerationStatus, Review

ENTRY_FIELDS = ("watched_on", "watched_precision", "rewatch", "rating", "liked", "where", "note", "review_id")


class PermissionDenied(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, error="permission_denied", status=403)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        "Invalid diary entry.", error="validation_error", details=[{"field": field, "message": message}]
    )


def _lock_movie(movie_id) -> bool:
    return bool(list(Movie.objects.select_for_update(no_key=True).filter(pk=movie_id).values_list("pk", flat=True)))


def _has_counted_review(*, user_id, movie_id) -> bool:
    return Review.objects.filter(
        user_id=user_id, movie_id=movie_id, moderation_status=ModerationStatus.APPROVED
    ).exists()


def _move_watched(user_id, change: int) -> None:
    if change:
        User.objects.filter(pk=user_id).update(movies_watched=F("movies_watched") + change)


def _move_audience(movie_id, count: int, total: int) -> None:
    """Add (count, total) to the film's audience row, creating it on first use (the upsert locks it)."""
    if not count and not total:
        return
    table = MovieAudience._meta.db_table
    with connection.cursor() as cursor:
        # The inserted row must pass the >= 0 checks even when the update applies a negative delta.
        cursor.execute(
            f"INSERT INTO {table} (movie_id, rating_count, rating_sum) VALUES (%s, %s, %s) "  # noqa: S608 (model meta)
            f"ON CONFLICT (movie_id) DO UPDATE SET rating_count = {table}.rating_count + %s, "
            f"rating_sum = {table}.rating_sum + %s",
            [movie_id, max(count, 0), max(total, 0), count, total],
        )


def _after_diary_change(user_id) -> None:
    transaction.on_commit(lambda: cache.year_invalidate(user_id))


def _check_date(fields: dict) -> None:
    precision = fields.get("watched_precision")
    watched_on = fields.get("watched_on")
    if precision == WatchedPrecision.UNKNOWN:
        fields["watched_on"] = None
    elif watched_on is None:
        raise _invalid("watched_on", "A date is required unless the precision is `unknown`.")
    elif precision == WatchedPrecision.MONTH:
        fields["watched_on"] = watched_on.replace(day=1)


def _check_review(*, review_id, user_id, movie_id) -> None:
    if review_id is None:
        return
    if not Review.objects.filter(pk=review_id, user_id=user_id, movie_id=movie_id).exists():
        raise _invalid("review_id", "Not your review of this film.")


# --- film ratings -------------------------------------------------------------------------------


def _rating_set_locked(*, user_id, movie_id, rating: int) -> None:
    """Upsert the user's rating of a film (caller holds the movie lock) and move the audience
    aggregate by the difference when the user has no approved review of it."""
    previous = FilmRating.objects.filter(user_id=user_id, movie_id=movie_id).values_list("rating", flat=True).first()
    if previous == rating:
        return
    FilmRating.objects.update_or_create(user_id=user_id, movie_id=movie_id, defaults={"rating": rating})
    if not _has_counted_review(user_id=user_id, movie_id=movie_id):
        _move_audience(movie_id, 0 if previous is not None else 1, rating - (previous or 0))


def film_rating_set(*, user, movie_id, rating: int) -> FilmRating:
    """Set `user`'s rating (1-10) of a film; unknown film → 404."""
    if not isinstance(rating, int) or not 1 <= rating <= 10:
        raise _invalid("rating", "A rating is an integer from 1 to 10.")
    with locked_atomic():
        if not _lock_movie(movie_id):
            raise NotFound("Movie not found.")
        _rating_set_locked(user_id=user.pk, movie_id=movie_id, rating=rating)
    return FilmRating.objects.get(user_id=user.pk, movie_id=movie_id)


def film_rating_delete(*, user_id, movie_id) -> bool:
    """Remove a user's rating of a film (idempotent); it leaves the audience aggregate if it counted there."""
    with locked_atomic():
        _lock_movie(movie_id)
        rows = list(
            FilmRating.objects.select_for_update()
            .filter(user_id=user_id, movie_id=movie_id)
            .values_list("pk", "rating")
        )
        if not rows:
            return False
        FilmRating.objects.filter(pk=rows[0][0]).delete()
        if not _has_counted_review(user_id=user_id, movie_id=movie_id):
            _move_audience(movie_id, -1, -rows[0][1])
    return True


# --- diary entries ------------------------------------------------------------------------------


def diary_entry_create(*, user, movie_id, import_key: str | None = None, **fields) -> DiaryEntry | None:
    """Log a viewing. The user's first entry of a film (without an approved review) adds one to
    `movies_watched`; a rating also becomes the user's rating of the film. Unknown film → 400.

    With `import_key`, a row already imported under that key is skipped (returns None)."""
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"diary_entry_create got fields it does not set: {sorted(unknown)}")
    fields.setdefault("watched_precision", WatchedPrecision.DAY)
    _check_date(fields)
    with locked_atomic():
        if not _lock_movie(movie_id):
            raise _invalid("movie_id", "No movie with this id exists.")
        _check_review(review_id=fields.get("review_id"), user_id=user.pk, movie_id=movie_id)
        first = not DiaryEntry.objects.filter(user_id=user.pk, movie_id=movie_id).exists()
        entry = DiaryEntry(user_id=user.pk, movie_id=movie_id, import_key=import_key, **fields)
        try:
            with transaction.atomic():  # savepoint: an already imported row must not poison the transaction
                entry.save(force_insert=True)
        except IntegrityError as exc:
            if import_key is not None and DiaryEntry.objects.filter(user_id=user.pk, import_key=import_key).exists():
                return None
            raise _invalid("review_id", "This review is already linked to another diary entry.") from exc
        if first and not _has_counted_review(user_id=user.pk, movie_id=movie_id):
            _move_watched(user.pk, 1)
        if entry.rating is not None:
            _rating_set_locked(user_id=user.pk, movie_id=movie_id, rating=entry.rating)
        _after_diary_change(user.pk)
    return entry


def diary_entry_update(*, entry: DiaryEntry, actor, **fields) -> DiaryEntry:
    """Partial edit by the owner (the film cannot change); a new rating becomes the film rating."""
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"diary_entry_update got fields it does not set: {sorted(unknown)}")
    with locked_atomic():
        _lock_movie(entry.movie_id)
        locked = DiaryEntry.objects.select_for_update(no_key=True).filter(pk=entry.pk).first()
        if locked is None:
            raise NotFound("Diary entry not found.")
        if locked.user_id != getattr(actor, "pk", None):
            raise PermissionDenied("Only the owner may edit this diary entry.")
        if "watched_on" in fields or "watched_precision" in fields:
            dates = {
                "watched_on": fields.get("watched_on", locked.watched_on),
                "watched_precision": fields.get("watched_precision", locked.watched_precision),
            }
            _check_date(dates)
            fields.update(dates)
        if fields.get("review_id") is not None:
            _check_review(review_id=fields["review_id"], user_id=locked.user_id, movie_id=locked.movie_id)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        if not changed:
            return locked
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as exc:
            raise _invalid("review_id", "This review is already linked to another diary entry.") from exc
        if "rating" in changed and locked.rating is not None:
            _rating_set_locked(user_id=locked.user_id, movie_id=locked.movie_id, rating=locked.rating)
        _after_diary_change(locked.user_id)
    return locked


def diary_entry_delete(*, entry: DiaryEntry, actor) -> None:
    """Delete an entry (its owner). The last entry of a film without an approved review takes the
    film out of `movies_watched`; the user's rating of the film stays."""
    with locked_atomic():
        _lock_movie(entry.movie_id)
        locked = DiaryEntry.objects.select_for_update().filter(pk=entry.pk).first()
        if locked is None:
            raise NotFound("Diary entry not found.")
        if locked.user_id != getattr(actor, "pk", None):
            raise PermissionDenied("Only the owner may delete this diary entry.")
        locked.delete()
        last = not DiaryEntry.objects.filter(user_id=locked.user_id, movie_id=locked.movie_id).exists()
        if last and not _has_counted_review(user_id=locked.user_id, movie_id=locked.movie_id):
            _move_watched(locked.user_id, -1)
        _after_diary_change(locked.user_id)


# --- hooks for the reviews services and for deletions ----------------------------------------


def review_counted_changed(*, user_id, movie_id, change: int) -> None:
    """A review of (user, film) started (+1) or stopped (-1) counting. The caller holds the movie
    lock. Without a diary entry the film enters/leaves `movies_watched`; the user's film rating
    leaves/enters the audience aggregate."""
    if not DiaryEntry.objects.filter(user_id=user_id, movie_id=movie_id).exists():
        _move_watched(user_id, change)
    rating = FilmRating.objects.filter(user_id=user_id, movie_id=movie_id).values_list("rating", flat=True).first()
    if rating is not None:
        _move_audience(movie_id, -change, -change * rating)


def movie_watchers_detach(*, movie_id) -> None:
    """Before a film row is deleted (its entries, ratings and reviews cascade): every user who had
    logged or reviewed it loses one from `movies_watched` (users locked in key order)."""
    with locked_atomic():
        _lock_movie(movie_id)
        logged = DiaryEntry.objects.filter(movie_id=movie_id).values_list("user_id", flat=True)
        reviewed = Review.objects.filter(movie_id=movie_id, moderation_status=ModerationStatus.APPROVED).values_list(
            "user_id", flat=True
        )
        user_ids = sorted(set(logged) | set(reviewed))
        if not user_ids:
            return
        list(User.objects.select_for_update(no_key=True).filter(pk__in=user_ids).order_by("pk").values_list("pk"))
        User.objects.filter(pk__in=user_ids).update(movies_watched=F("movies_watched") - 1)


def user_ratings_remove(*, user) -> None:
    """Before a user row is deleted: withdraw their film ratings from the audience aggregates."""
    for movie_id in FilmRating.objects.filter(user_id=user.pk).order_by("movie_id").values_list("movie_id", flat=True):
        film_rating_delete(user_id=user.pk, movie_id=movie_id)
