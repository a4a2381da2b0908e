"""generate_bench_data as a command: argument checks, reproducibility, runs on top of existing data."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import CriticFactory, UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from devdata.benchdata import BenchDataGenerator, BenchSizes, aggregate_drift, recompute_all_aggregates
from reviews.models import Review, ReviewVote
from reviews.tests.factories import ReviewFactory
from social.models import Follow

TINY = {"movies": 30, "users": 40, "reviews": 300, "votes": 500, "follows": 150}
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def nothing_changed(per_table: dict[str, int]) -> bool:
    """Every table reported, none with a changed (or drifted) row."""
    return {"movies", "users", "reviews"} <= set(per_table) and set(per_table.values()) == {0}


def generate(seed=11, **sizes):
    generator = BenchDataGenerator(BenchSizes(**{**TINY, **sizes}), seed=seed, progress=False, now=NOW)
    generator.run()
    return generator


def command(**options):
    call_command("generate_bench_data", **{**TINY, "yes": True, "no_progress": True, **options})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"movies": -1}, "--movies must be a non-negative integer"),
        ({"votes": -5}, "--votes must be a non-negative integer"),
        ({"reviews": 30 * 40 + 1}, "--reviews 1201 is more than one review per (user, movie) pair allows"),
        ({"votes": 300 * 39 + 1}, "--votes 11701 is more than one vote per (user, review) allows"),
        ({"follows": 40 * 39 + 1}, "--follows 1561 is more than the 1560 possible"),
        ({"users": 0, "reviews": 1}, "--reviews 1 is more than"),
        ({"watchlist": 10**6}, "--watchlist 1000000 is more than 40 users x 30 movies"),
        ({"batch_size": 0}, "--batch-size must be at least 1"),
    ],
)
def test_impossible_sizes_are_refused_with_a_clear_message(options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        command(force=True, **options)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_non_numeric_size_is_refused():
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("generate_bench_data", "--movies", "lots", "--yes", "--force")


@pytest.mark.django_db
def test_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        command()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_asks_before_writing_and_stops_on_no(monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Cancelled"):
        call_command("generate_bench_data", **TINY, no_progress=True)
    assert not User.objects.exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    call_command("generate_bench_data", **TINY, no_progress=True)
    assert User.objects.count() == TINY["users"]


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_on_the_same_start_gives_the_same_rows():
    def snapshot():
        return (
            list(User.objects.order_by("id").values_list("id", "email", "name", "role", "bio", "created_at")),
            list(Movie.objects.order_by("id").values_list("id", "title", "release_date", "review_count")),
            list(
                Review.objects.order_by("id").values_list(
                    "id",
                    "user_id",
                    "movie_id",
                    "lemon_pie_rating",
                    "story_rating",
                    "review_text",
                    "review_language",
                    "nollywood_tags",
                    "moderation_status",
                    "created_at",
                    "helpful_votes",
                )
            ),
            list(ReviewVote.objects.order_by("review_id", "user_id").values_list("review_id", "user_id", "vote_type")),
            list(Follow.objects.order_by("follower_id", "following_id").values_list("follower_id", "following_id")),
        )

    generate()
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    generate()
    assert snapshot() == first
    call_command("flush", interactive=False, verbosity=0)
    generate(seed=12)
    assert snapshot() != first


@pytest.mark.django_db(transaction=True)
def test_runs_on_top_of_an_existing_catalogue_and_earlier_runs_with_exact_aggregates():
    real = MovieFactory.create_batch(6, imdb_rating=Decimal("7.5"))
    critic = CriticFactory()
    ReviewFactory(user=critic, movie=real[0], lemon_pie_rating=9)  # a row made before the generator ran

    generate(movies=10, reviews=350)
    assert Movie.objects.count() == 16
    # Generated users review the real titles too.
    assert Review.objects.filter(movie__in=real).exclude(user=critic).exists()
    generate(seed=5, movies=10, reviews=350)  # a second run on top of the first one
    assert Movie.objects.count() == 26
    assert User.objects.count() == 1 + 2 * TINY["users"]
    assert Review.objects.count() == 1 + 2 * 350
    assert ReviewVote.objects.count() == 2 * TINY["votes"]
    assert Follow.objects.count() == 2 * TINY["follows"]
    assert nothing_changed(aggregate_drift())
    assert nothing_changed(recompute_all_aggregates())
    real[0].refresh_from_db()
    assert real[0].critic_count >= 1  # the pre-existing critic review is counted


@pytest.mark.django_db(transaction=True)
def test_an_email_taken_by_an_existing_account_is_made_distinct():
    UserFactory(email="someone@example.ng")
    first = generate()
    taken = User.objects.get(id=first.user_ids[0]).email
    call_command("flush", interactive=False, verbosity=0)
    UserFactory(email=taken)  # same number of existing users, so the same seed makes the same address

    second = generate()
    assert User.objects.count() == 1 + TINY["users"]
    local, domain = taken.split("@")
    assert User.objects.get(id=second.user_ids[0]).email == f"{local}.b11@{domain}"
