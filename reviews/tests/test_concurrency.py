"""Real threads, real PostgreSQL, real commits: aggregates stay exact when many requests collide.

Each thread is a separate database connection running the whole request stack (test client →
view → service). Threads wait on a barrier so the first wave of requests starts together. The
number of threads is capped by the free connections of the server (it is shared with other test
runs); when capped, the same jobs run on fewer threads, still concurrently.
"""

import itertools
import random
import threading

import pytest
from django.db import connection, transaction

from accounts.models import Role
from accounts.tests.factories import CriticFactory, ModeratorFactory, UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.db.reconcile import run_recomputers
from reviews import services
from reviews.models import Review, ReviewVote
from reviews.tests.helpers import GOOD_REVIEW, assert_everything_exact, movie_stored

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CONNECTION_HEADROOM = 20


@pytest.fixture(autouse=True)
def _patient_locks(settings):
    # Waiting is fine here: the point is that nothing is lost, doubled or deadlocked. The 409 on a
    # lock timeout has its own test below.
    settings.REVIEWS_LOCK_TIMEOUT_MS = 30_000


def thread_budget(wanted: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        free = cursor.fetchone()[0]
    return max(4, min(wanted, free - CONNECTION_HEADROOM))


def run_concurrently(jobs: list, *, threads: int | None = None) -> list:
    """Run every job on `threads` threads that start together; each result or exception, in order."""
    workers = min(len(jobs), threads or thread_budget(len(jobs)))
    results: list = [None] * len(jobs)
    counter = itertools.count()
    lock = threading.Lock()
    barrier = threading.Barrier(workers)

    def worker():
        try:
            barrier.wait(timeout=60)
            while True:
                with lock:
                    index = next(counter)
                if index >= len(jobs):
                    return
                try:
                    results[index] = jobs[index]()
                except Exception as exc:  # a 500 surfaces here: the test client re-raises it
                    results[index] = exc
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in pool), "a thread hung (deadlock?)"
    return results


def statuses(results) -> list:
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors[:3]
    return [result.status_code for result in results]


def assert_no_drift():
    reports = run_recomputers(fix=False)
    assert {report.label: report.drifted for report in reports} == {
        "suggestion title counts": 0,  # the copy on movie_titles follows every concurrent write too
        "movie aggregates": 0,
        "review vote counts": 0,
        "user review counters": 0,
        "user follow counters": 0,
    }
    assert all(not report.columns for report in reports)


def review_body(movie, rating: int) -> dict:
    return {
        **GOOD_REVIEW,
        "movie_id": str(movie.pk),
        "lemon_pie_rating": rating,
        "story_rating": 11 - rating,
        "acting_rating": 1 + rating % 10,
    }


def test_fifty_simultaneous_reviews_of_one_movie_are_all_counted():
    movie = MovieFactory()
    authors = [CriticFactory() if n % 5 == 0 else UserFactory() for n in range(50)]
    clients = [client_for(author) for author in authors]
    ratings = [1 + n % 10 for n in range(50)]
    jobs = [
        (lambda client=client, rating=rating: client.post("/api/v1/reviews", review_body(movie, rating), format="json"))
        for client, rating in zip(clients, ratings, strict=True)
    ]

    assert statuses(run_concurrently(jobs)) == [201] * 50

    stored = movie_stored(movie.pk)
    assert stored["review_count"] == 50
    assert stored["rating_sum"] == sum(ratings)
    assert all(stored[f"rating_count_{value}"] == 5 for value in range(1, 11))
    assert stored["story_sum"] == sum(11 - rating for rating in ratings)
    assert stored["critic_count"] == 10
    assert stored["critic_rating_sum"] == sum(ratings[n] for n in range(0, 50, 5))
    assert_everything_exact()
    assert_no_drift()


def test_one_user_posting_the_same_review_twice_at_once_gets_one_201_and_one_409():
    movie = MovieFactory()
    author = UserFactory()
    clients = [client_for(author) for _ in range(6)]
    jobs = [
        (lambda client=client: client.post("/api/v1/reviews", review_body(movie, 7), format="json"))
        for client in clients
    ]
    assert sorted(statuses(run_concurrently(jobs))) == [201, 409, 409, 409, 409, 409]
    assert movie_stored(movie.pk)["review_count"] == 1
    assert_everything_exact()


def test_a_hundred_simultaneous_votes_on_one_review_including_double_votes():
    author = UserFactory()
    review = services.review_create(user=author, movie_id=MovieFactory().pk, **GOOD_REVIEW)
    url = f"/api/v1/reviews/{review.pk}/vote"
    rng = random.Random(6)

    jobs, expected = [], {}
    # 10 users vote twice at the same moment (first in the queue, so they start together):
    # five send the same vote twice, five send helpful and unhelpful at once.
    for n in range(10):
        voter = UserFactory()
        first, second = ("helpful", "helpful") if n < 5 else ("helpful", "unhelpful")
        for vote_type in (first, second):
            client = client_for(voter)
            jobs.append(lambda client=client, vote_type=vote_type: client.post(url, {"vote_type": vote_type}))
        expected[voter.pk] = {first, second}
    # 80 more users vote once.
    for _ in range(80):
        voter = UserFactory()
        vote_type = rng.choice(["helpful", "unhelpful"])
        client = client_for(voter)
        jobs.append(lambda client=client, vote_type=vote_type: client.post(url, {"vote_type": vote_type}))
        expected[voter.pk] = {vote_type}

    results = run_concurrently(jobs)
    assert statuses(results) == [200] * 100

    votes = dict(ReviewVote.objects.filter(review=review).values_list("user_id", "vote_type"))
    assert len(votes) == 90  # one row per voter, whatever the collisions
    assert all(votes[user_id] in allowed for user_id, allowed in expected.items())
    review.refresh_from_db()
    assert review.helpful_votes == sum(1 for vote in votes.values() if vote == "helpful")
    assert review.unhelpful_votes == sum(1 for vote in votes.values() if vote == "unhelpful")
    assert review.helpful_votes + review.unhelpful_votes == 90
    assert_everything_exact()
    assert_no_drift()


def test_votes_and_unvotes_racing_leave_counts_equal_to_rows():
    review = services.review_create(user=UserFactory(), movie_id=MovieFactory().pk, **GOOD_REVIEW)
    url = f"/api/v1/reviews/{review.pk}/vote"
    jobs = []
    for n in range(30):
        client = client_for(UserFactory())
        jobs.append(lambda client=client: client.post(url, {"vote_type": "helpful"}))
        jobs.append(lambda client=client, n=n: client.post(url, {"vote_type": "unhelpful" if n % 2 else "helpful"}))
        jobs.append(lambda client=client: client.delete(url))
    random.Random(7).shuffle(jobs)
    assert set(statuses(run_concurrently(jobs))) <= {200, 204}
    assert_everything_exact()
    assert_no_drift()


def test_edits_deletes_moderation_votes_and_new_reviews_racing_on_one_movie():
    movie = MovieFactory()
    authors = [CriticFactory() if n % 4 == 0 else UserFactory() for n in range(24)]
    reviews = [
        services.review_create(user=author, movie_id=movie.pk, **{**GOOD_REVIEW, "lemon_pie_rating": 5})
        for author in authors
    ]
    moderator = ModeratorFactory()
    voters = [UserFactory() for _ in range(12)]
    newcomers = [UserFactory() for _ in range(10)]
    rng = random.Random(42)
    jobs = []
    for author, review in zip(authors, reviews, strict=True):
        author_client = client_for(author)
        url = f"/api/v1/reviews/{review.pk}"
        for rating in rng.sample(range(1, 11), 3):  # the same author edits the same review three times at once
            jobs.append(
                lambda c=author_client, url=url, rating=rating: c.patch(
                    url, {"lemon_pie_rating": rating, "cinematography_rating": 11 - rating}, format="json"
                )
            )
        for voter in rng.sample(voters, 3):
            vote_client = client_for(voter)
            jobs.append(lambda c=vote_client, url=url: c.post(f"{url}/vote", {"vote_type": "helpful"}))
    for review in reviews[:6]:
        moderator_client = client_for(moderator)
        jobs.append(lambda c=moderator_client, pk=review.pk: c.delete(f"/api/v1/reviews/{pk}"))
    for review in reviews[6:12]:
        jobs.append(lambda review=review: _moderate_round_trip(review, moderator))
    for review in reviews[12:16]:
        jobs.append(lambda review=review: _hide(review, moderator))
    for newcomer in newcomers:
        client = client_for(newcomer)
        body = review_body(movie, rng.randint(1, 10))
        jobs.append(lambda c=client, body=body: c.post("/api/v1/reviews", body, format="json"))
    rng.shuffle(jobs)

    codes = statuses(run_concurrently(jobs))
    # 404: an edit or vote that arrived after its review was deleted or hidden.
    assert set(codes) <= {200, 201, 204, 404}
    assert codes.count(201) == len(newcomers)
    assert 500 not in codes
    assert Review.objects.filter(movie=movie).count() == 24 - 6 + len(newcomers)
    assert Review.objects.filter(movie=movie, moderation_status="approved").count() == 24 - 6 - 4 + len(newcomers)
    assert_everything_exact()
    assert_no_drift()


class _Done:
    status_code = 200


def _moderate_round_trip(review, moderator):
    services.review_moderate(review=review, status="pending", actor=moderator)
    services.review_moderate(review=review, status="approved", actor=moderator)
    return _Done()


def _hide(review, moderator):
    services.review_moderate(review=review, status="rejected", actor=moderator)
    return _Done()


def test_role_sync_racing_with_new_reviews_keeps_the_critic_score_exact():
    author = UserFactory()
    movies = [MovieFactory() for _ in range(8)]
    for movie in movies[:4]:
        services.review_create(user=author, movie_id=movie.pk, **GOOD_REVIEW)
    from accounts.models import User

    User.objects.filter(pk=author.pk).update(role=Role.CRITIC)
    jobs = [lambda: _Done() if services.review_author_role_sync(user=author) >= 0 else None]
    for movie in movies[4:]:
        jobs.append(lambda movie=movie: _create(author, movie))
    jobs.append(lambda: _Done() if services.review_author_role_sync(user=author) >= 0 else None)
    assert set(statuses(run_concurrently(jobs))) == {200}
    assert Movie.objects.filter(critic_count=1).count() == 8
    assert_everything_exact()
    assert_no_drift()


def _create(author, movie):
    services.review_create(user=author, movie_id=movie.pk, **GOOD_REVIEW)
    return _Done()


def test_a_lock_held_too_long_is_a_409_with_retry_after(settings):
    """A writer that cannot get the movie lock in time gives up cleanly: 409, Retry-After, no change."""
    settings.REVIEWS_LOCK_TIMEOUT_MS = 150
    movie = MovieFactory()
    author = UserFactory()
    review = services.review_create(user=author, movie_id=movie.pk, **GOOD_REVIEW)
    voter_client = client_for(UserFactory())
    newcomer_client = client_for(UserFactory())
    author_client = client_for(author)

    with transaction.atomic():
        # This connection holds the movie and the review, as a slow writer would.
        list(Movie.objects.select_for_update().filter(pk=movie.pk))
        list(Review.objects.select_for_update().filter(pk=review.pk))
        results = run_concurrently(
            [
                lambda: newcomer_client.post("/api/v1/reviews", review_body(movie, 3), format="json"),
                lambda: author_client.patch(f"/api/v1/reviews/{review.pk}", {"lemon_pie_rating": 2}, format="json"),
                lambda: voter_client.post(f"/api/v1/reviews/{review.pk}/vote", {"vote_type": "helpful"}),
            ],
            threads=3,
        )
    for response in results:
        assert not isinstance(response, Exception), response
        assert response.status_code == 409, response.content
        assert response.json()["error"] == "conflict"
        assert response["Retry-After"] == "1"
    assert movie_stored(movie.pk)["review_count"] == 1
    assert ReviewVote.objects.count() == 0
    assert_everything_exact()
