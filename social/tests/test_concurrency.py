"""Counters and idempotent toggles under storms of concurrent follows/unfollows from real threads (each thread
has its own database connection), against the real PostgreSQL."""

import random

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.db.reconcile import no_progress
from lemonnpie.testing import run_in_threads
from social import services
from social.models import Follow, WatchlistEntry
from social.recompute import recompute_follow_counters

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_counters_match_rows(users):
    for user in User.objects.filter(pk__in=[user.pk for user in users]):
        assert user.followers_count == Follow.objects.filter(following=user).count(), user
        assert user.following_count == Follow.objects.filter(follower=user).count(), user


def test_many_users_following_one_user_at_once_count_exactly():
    target = UserFactory()
    followers = [UserFactory() for _ in range(12)]

    def work(index):
        for _ in range(3):  # repeated follows are idempotent
            services.follow_create(follower=followers[index], following_id=target.pk)

    assert run_in_threads(work, len(followers)) == []
    target.refresh_from_db()
    assert target.followers_count == 12 == Follow.objects.filter(following=target).count()
    _assert_counters_match_rows([target, *followers])


def test_same_pair_raced_from_many_threads_is_one_row_and_one_count():
    follower, target = UserFactory(), UserFactory()
    created = []

    def work(index):
        _, was_created = services.follow_create(follower=follower, following_id=target.pk)
        created.append(was_created)

    assert run_in_threads(work, 10) == []
    assert created.count(True) == 1
    assert Follow.objects.count() == 1
    _assert_counters_match_rows([follower, target])


def test_follow_unfollow_storm_keeps_counters_equal_to_rows():
    users = [UserFactory() for _ in range(6)]

    def work(index):
        rng = random.Random(index)
        me = users[index % len(users)]
        for _ in range(40):
            other = rng.choice([user for user in users if user.pk != me.pk])
            if rng.random() < 0.55:
                services.follow_create(follower=me, following_id=other.pk)
            else:
                services.follow_delete(follower=me, following_id=other.pk)

    assert run_in_threads(work, 12) == []  # two threads per user, so the same pairs collide
    _assert_counters_match_rows(users)
    assert recompute_follow_counters(fix=False, batch_size=1000, progress=no_progress).drifted == 0


def test_mutual_follows_at_the_same_moment_do_not_deadlock():
    pairs = [(UserFactory(), UserFactory()) for _ in range(5)]

    def work(index):
        a, b = pairs[index // 2]
        me, other = (a, b) if index % 2 == 0 else (b, a)
        for _ in range(10):
            services.follow_create(follower=me, following_id=other.pk)
            services.follow_delete(follower=me, following_id=other.pk)
        services.follow_create(follower=me, following_id=other.pk)

    assert run_in_threads(work, len(pairs) * 2) == []
    users = [user for pair in pairs for user in pair]
    _assert_counters_match_rows(users)
    for user in User.objects.filter(pk__in=[user.pk for user in users]):
        assert (user.followers_count, user.following_count) == (1, 1)


def test_recompute_running_during_a_storm_leaves_exact_counters():
    users = [UserFactory() for _ in range(5)]
    User.objects.filter(pk__in=[user.pk for user in users]).update(followers_count=9, following_count=9)

    def work(index):
        if index == 0:
            for _ in range(5):
                recompute_follow_counters(fix=True, batch_size=1000, progress=no_progress)
            return
        rng = random.Random(index)
        me = users[index % len(users)]
        for _ in range(30):
            other = rng.choice([user for user in users if user.pk != me.pk])
            if rng.random() < 0.5:
                services.follow_create(follower=me, following_id=other.pk)
            else:
                services.follow_delete(follower=me, following_id=other.pk)

    assert run_in_threads(work, 9) == []
    _assert_counters_match_rows(users)
    assert recompute_follow_counters(fix=False, batch_size=1000, progress=no_progress).drifted == 0


def test_watchlist_add_raced_from_many_threads_is_one_row():
    user, movie = UserFactory(), MovieFactory()
    created = []

    def work(index):
        created.append(services.watchlist_add(user=user, movie_id=movie.pk)[1])

    assert run_in_threads(work, 10) == []
    assert created.count(True) == 1
    assert WatchlistEntry.objects.filter(user=user, movie=movie).count() == 1


def test_add_remove_storm_on_one_entry_never_errors():
    user, movie = UserFactory(), MovieFactory()

    def work(index):
        for _ in range(15):
            if index % 2:
                services.watchlist_remove(user=user, movie_id=movie.pk)
            else:
                entry, _ = services.watchlist_add(user=user, movie_id=movie.pk)
                assert entry.movie_id == movie.pk

    assert run_in_threads(work, 8) == []
    assert WatchlistEntry.objects.filter(user=user, movie=movie).count() in (0, 1)
