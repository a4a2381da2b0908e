import datetime

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import movie_delete
from diary import services
from diary.models import DiaryEntry, FilmRating, WatchedPrecision
from diary.tests.helpers import audience_recount, audience_stored, watched_recount, watched_stored
from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.db.reconcile import run_recomputers
from reviews import services as review_services
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 14)


def log(user, movie, **fields):
    fields.setdefault("watched_on", DAY)
    return services.diary_entry_create(user=user, movie_id=movie.pk, **fields)


def no_drift() -> dict:
    labels = ("user films watched", "movie audience ratings")
    return {r.label: r.drifted for r in run_recomputers(fix=False) if r.label in labels}


def test_a_film_logged_many_times_counts_once_in_movies_watched(user, movie, other_movie):
    first = log(user, movie)
    log(user, movie, rewatch=True)
    log(user, other_movie)
    assert watched_stored(user.pk) == 2
    services.diary_entry_delete(entry=first, actor=user)
    assert watched_stored(user.pk) == 2  # still logged once
    for entry in DiaryEntry.objects.filter(user=user, movie=movie):
        services.diary_entry_delete(entry=entry, actor=user)
    assert watched_stored(user.pk) == 1 == watched_recount(user.pk)


def test_a_reviewed_and_logged_film_counts_once(user, movie):
    review = review_services.review_create(user=user, movie_id=movie.pk, **GOOD_REVIEW)
    assert watched_stored(user.pk) == 1
    entry = log(user, movie, review_id=review.pk)
    assert entry.review_id == review.pk
    assert watched_stored(user.pk) == 1
    review_services.review_delete(review=review, actor=user)
    assert watched_stored(user.pk) == 1  # still logged
    services.diary_entry_delete(entry=entry, actor=user)
    assert watched_stored(user.pk) == 0
    assert no_drift() == {"user films watched": 0, "movie audience ratings": 0}


def test_a_rating_without_a_review_counts_in_the_audience_aggregate_only(user, other_user, movie):
    log(user, movie, rating=7)
    services.film_rating_set(user=other_user, movie_id=movie.pk, rating=4)
    assert audience_stored(movie.pk) == (2, 11)
    movie.refresh_from_db()
    assert movie.review_count == 0
    # A review moves the author's rating out of the audience aggregate ...
    review = review_services.review_create(user=user, movie_id=movie.pk, **GOOD_REVIEW)
    assert audience_stored(movie.pk) == (1, 4)
    # ... hiding it brings the rating back, approving it takes it out again.
    review_services.review_moderate(review=review, status="rejected")
    assert audience_stored(movie.pk) == (2, 11)
    review_services.review_moderate(review=review, status="approved")
    assert audience_stored(movie.pk) == (1, 4)
    services.film_rating_set(user=other_user, movie_id=movie.pk, rating=9)  # a change moves the sum only
    assert audience_stored(movie.pk) == (1, 9) == audience_recount(movie.pk)
    services.film_rating_delete(user_id=other_user.pk, movie_id=movie.pk)
    assert audience_stored(movie.pk) == (0, 0)
    assert no_drift() == {"user films watched": 0, "movie audience ratings": 0}


def test_rating_a_diary_entry_sets_the_film_rating(user, movie):
    entry = log(user, movie, rating=6)
    services.diary_entry_update(entry=entry, actor=user, rating=9)
    assert FilmRating.objects.get(user=user, movie=movie).rating == 9
    assert audience_stored(movie.pk) == (1, 9)
    services.diary_entry_delete(entry=entry, actor=user)
    assert FilmRating.objects.filter(user=user, movie=movie).exists()  # the film rating stays


def test_watched_on_precision_rules(user, movie):
    month = log(user, movie, watched_on=datetime.date(2026, 5, 17), watched_precision=WatchedPrecision.MONTH)
    assert month.watched_on == datetime.date(2026, 5, 1)
    unknown = log(user, movie, watched_on=DAY, watched_precision=WatchedPrecision.UNKNOWN)
    assert unknown.watched_on is None
    with pytest.raises(ApplicationError) as exc:
        log(user, movie, watched_on=None)
    assert exc.value.details[0]["field"] == "watched_on"


def test_only_the_owner_changes_an_entry_and_reviews_must_be_theirs(user, other_user, movie, other_movie):
    entry = log(user, movie)
    with pytest.raises(ApplicationError) as exc:
        services.diary_entry_update(entry=entry, actor=other_user, rating=3)
    assert exc.value.status == 403
    with pytest.raises(ApplicationError):
        services.diary_entry_delete(entry=entry, actor=other_user)
    foreign = review_services.review_create(user=other_user, movie_id=movie.pk, **GOOD_REVIEW)
    with pytest.raises(ApplicationError) as exc:
        services.diary_entry_update(entry=entry, actor=user, review_id=foreign.pk)
    assert exc.value.details[0]["field"] == "review_id"
    with pytest.raises(ApplicationError) as exc:
        log(user, other_movie, review_id=foreign.pk)
    assert exc.value.details[0]["field"] == "review_id"


def test_an_import_key_is_imported_once(user, movie):
    assert log(user, movie, import_key="letterboxd:https://boxd.it/abc") is not None
    assert log(user, movie, import_key="letterboxd:https://boxd.it/abc") is None
    assert DiaryEntry.objects.filter(user=user).count() == 1
    assert watched_stored(user.pk) == 1


def test_deleting_a_film_or_a_user_keeps_the_counters_exact(user, other_user, movie, other_movie):
    log(user, movie, rating=8)
    log(other_user, movie)
    review_services.review_create(user=other_user, movie_id=other_movie.pk, **GOOD_REVIEW)
    services.film_rating_set(user=other_user, movie_id=other_movie.pk, rating=5)  # not in the audience: reviewed
    services.film_rating_set(user=user, movie_id=other_movie.pk, rating=3)
    assert (watched_stored(user.pk), watched_stored(other_user.pk)) == (1, 2)
    movie_delete(movie_id=movie.pk)
    assert (watched_stored(user.pk), watched_stored(other_user.pk)) == (0, 1)
    other_user.delete()  # their review leaves and their rating would have entered the audience: net nothing
    assert audience_stored(other_movie.pk) == (1, 3) == audience_recount(other_movie.pk)
    assert no_drift() == {"user films watched": 0, "movie audience ratings": 0}


def test_recompute_repairs_drifted_diary_counters(user, movie):
    log(user, movie, rating=8)
    UserFactory._meta.model.objects.filter(pk=user.pk).update(movies_watched=5)
    from diary.models import MovieAudience

    MovieAudience.objects.all().delete()
    reports = {r.label: r for r in run_recomputers(fix=True, only=["films watched", "audience"])}
    assert reports["user films watched"].fixed == 1
    assert reports["movie audience ratings"].drifted >= 1
    assert watched_stored(user.pk) == 1
    assert audience_stored(movie.pk) == (1, 8)
    assert no_drift() == {"user films watched": 0, "movie audience ratings": 0}
