"""Real threads, real PostgreSQL, real commits: `movies_watched`, the audience aggregate and the
public-list counts stay exact when diary, rating, review and list writes collide on one film."""

import datetime

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from diary import services
from diary.tests.helpers import audience_recount, audience_stored, watched_recount, watched_stored
from lemonnpie.db.reconcile import run_recomputers
from lemonnpie.testing import run_in_threads
from lists import services as list_services
from lists.models import FilmList, MovieListCount
from reviews import services as review_services
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
THREADS = 12


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    settings.REVIEWS_LOCK_TIMEOUT_MS = 30_000


def _drift() -> dict:
    return {report.label: report.drifted for report in run_recomputers(fix=False)}


def test_many_users_rating_logging_and_reviewing_one_film_at_once():
    movie = MovieFactory()
    users = [UserFactory() for _ in range(THREADS)]
    connection.close()

    def work(index):
        user = users[index]
        services.diary_entry_create(
            user=user, movie_id=movie.pk, watched_on=datetime.date(2026, 1, 1 + index), rating=1 + index % 10
        )
        if index % 3 == 0:  # a third also review it: their rating leaves the audience aggregate
            review_services.review_create(user=user, movie_id=movie.pk, **GOOD_REVIEW)
        if index % 4 == 1:  # some change their mind
            services.film_rating_set(user=user, movie_id=movie.pk, rating=10)

    assert run_in_threads(work, THREADS) == []
    assert audience_stored(movie.pk) == audience_recount(movie.pk)
    assert audience_stored(movie.pk)[0] == THREADS - len(range(0, THREADS, 3))
    for user in users:
        assert watched_stored(user.pk) == watched_recount(user.pk) == 1
    drift = _drift()
    assert drift["user films watched"] == drift["movie audience ratings"] == 0


def test_one_user_logging_reviewing_and_deleting_one_film_from_many_threads():
    """The hardest case for "distinct films": the first entry, a review and deletions racing for
    one (user, film) pair — the count must end equal to the recount, never 2 or -1."""
    movie, other = MovieFactory(), MovieFactory()
    user = UserFactory()
    seeded = [services.diary_entry_create(user=user, movie_id=movie.pk, watched_on=datetime.date(2026, 2, 1))]
    connection.close()

    def work(index):
        if index == 0:
            review = review_services.review_create(user=user, movie_id=movie.pk, **GOOD_REVIEW)
            review_services.review_delete(review=review, actor=user)
        elif index == 1:
            services.diary_entry_delete(entry=seeded[0], actor=user)
        elif index % 2:
            services.diary_entry_create(user=user, movie_id=other.pk, watched_precision="unknown", watched_on=None)
        else:
            services.diary_entry_create(user=user, movie_id=movie.pk, watched_on=datetime.date(2026, 2, index))

    assert run_in_threads(work, THREADS) == []
    assert watched_stored(user.pk) == watched_recount(user.pk) == 2
    assert _drift()["user films watched"] == 0


def test_public_list_counts_stay_exact_when_lists_change_at_once():
    movies = [MovieFactory() for _ in range(5)]
    owners = [UserFactory() for _ in range(THREADS)]
    lists = [list_services.list_create(user=owner, title=f"List {i}", is_public=True) for i, owner in enumerate(owners)]
    connection.close()

    def work(index):
        owner, film_list = owners[index], lists[index]
        items = [{"movie_id": m.pk} for m in reversed(movies)] if index % 2 else [{"movie_id": m.pk} for m in movies]
        list_services.list_entries_add(film_list=film_list, actor=owner, items=items)
        if index % 3 == 0:
            list_services.list_update(film_list=film_list, actor=owner, is_public=False)
        if index % 4 == 1:
            list_services.list_entry_remove(film_list=film_list, actor=owner, movie_id=movies[0].pk)
        target = (index + 1) % THREADS
        if target % 3:  # lists that stay public
            list_services.list_like(film_list_id=lists[target].pk, user=owner)

    assert run_in_threads(work, THREADS) == []
    for movie in movies:
        expected = FilmList.objects.filter(is_public=True, entries__movie=movie).count()
        assert MovieListCount.objects.get(movie=movie).public_lists == expected
    drift = _drift()
    assert drift["movie public list counts"] == drift["list entry and like counts"] == 0
