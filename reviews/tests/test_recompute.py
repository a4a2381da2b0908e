import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.models import Role, User
from accounts.tests.factories import CriticFactory, UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from lemonnpie.db.locking import locked_atomic
from lemonnpie.db.reconcile import Drift, discover_recomputers, reconcile, run_recomputers
from reviews import services, tasks
from reviews.models import Review
from reviews.tests.factories import ReviewFactory, ReviewVoteFactory
from reviews.tests.helpers import GOOD_REVIEW, assert_everything_exact, movie_recount, movie_stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two movies with reviews (one by a critic, one hidden) and votes, all through the services."""
    movies = [MovieFactory(), MovieFactory()]
    critic, fan, other = CriticFactory(), UserFactory(), UserFactory()
    reviews = [
        services.review_create(user=critic, movie_id=movies[0].pk, **{**GOOD_REVIEW, "lemon_pie_rating": 9}),
        services.review_create(user=fan, movie_id=movies[0].pk, **{**GOOD_REVIEW, "lemon_pie_rating": 4}),
        services.review_create(user=fan, movie_id=movies[1].pk, **GOOD_REVIEW),
        services.review_create(user=other, movie_id=movies[1].pk, **GOOD_REVIEW),
    ]
    services.review_vote(review=reviews[0], user=fan, vote_type="helpful")
    services.review_vote(review=reviews[0], user=other, vote_type="unhelpful")
    services.review_moderate(review=reviews[3], status="rejected")
    return {"movies": movies, "reviews": reviews, "critic": critic, "fan": fan}


def by_label(reports) -> dict:
    return {report.label: report for report in reports}


def test_no_drift_after_writes_through_the_services(world):
    reports = by_label(run_recomputers(fix=False))
    assert set(reports) == {
        "suggestion title counts",
        "movie aggregates",
        "review vote counts",
        "user review counters",
        "user follow counters",
    }
    assert all(report.drifted == 0 and not report.columns for report in reports.values())
    assert reports["movie aggregates"].checked == 2
    assert reports["review vote counts"].checked == 4


def test_movie_drift_is_reported_per_column_and_fixed(world):
    movie = world["movies"][0]
    Movie.objects.filter(pk=movie.pk).update(review_count=7, rating_count_9=0, critic_rating_sum=1)
    dry = by_label(run_recomputers(fix=False))["movie aggregates"]
    assert (dry.drifted, dry.fixed) == (1, 0)
    assert dict(dry.columns) == {"review_count": 1, "rating_count_9": 1, "critic_rating_sum": 1}
    assert movie_stored(movie.pk)["review_count"] == 7  # a dry run changes nothing
    fixed = by_label(run_recomputers(fix=True))["movie aggregates"]
    assert (fixed.drifted, fixed.fixed) == (1, 1)
    assert movie_stored(movie.pk) == movie_recount(movie.pk)
    assert by_label(run_recomputers(fix=False))["movie aggregates"].drifted == 0


def test_rows_written_without_the_services_are_counted_in(world):
    """Bulk-loaded rows (bench data, factories) get their aggregates from recompute_stats."""
    movie = world["movies"][1]
    review = ReviewFactory(movie=movie, lemon_pie_rating=2)
    ReviewVoteFactory(review=review)
    ReviewVoteFactory(review=review, vote_type="unhelpful")
    reports = by_label(run_recomputers(fix=True))
    assert reports["movie aggregates"].drifted == 1
    assert reports["review vote counts"].drifted == 1
    assert reports["user review counters"].drifted == 1  # the new review's author
    assert_everything_exact()


def test_vote_and_user_counter_drift_is_fixed(world):
    review = world["reviews"][0]
    Review.objects.filter(pk=review.pk).update(helpful_votes=10, unhelpful_votes=0)
    User.objects.filter(pk=world["fan"].pk).update(review_count=0, review_rating_sum=99)
    reports = by_label(run_recomputers(fix=True))
    assert dict(reports["review vote counts"].columns) == {"helpful_votes": 1, "unhelpful_votes": 1}
    assert dict(reports["user review counters"].columns) == {"review_count": 1, "review_rating_sum": 1}
    assert_everything_exact()


def test_a_role_change_without_sync_is_repaired_flags_included(world):
    User.objects.filter(pk=world["critic"].pk).update(role=Role.USER)
    User.objects.filter(pk=world["fan"].pk).update(role=Role.CRITIC)
    report = by_label(run_recomputers(fix=True))["movie aggregates"]
    assert report.columns["by_critic"] == 3  # the former critic's review and the new critic's two
    assert_everything_exact()
    assert set(Review.objects.filter(by_critic=True).values_list("user_id", flat=True)) == {world["fan"].pk}
    # After the repair, removing reviews subtracts exactly what is counted.
    for review in Review.objects.all():
        services.review_delete(review=review, actor=review.user)
    assert_everything_exact()


def test_small_batches_cover_every_row(world):
    Movie.objects.update(rating_sum=0)
    reports = by_label(run_recomputers(fix=True, batch_size=1))
    assert reports["movie aggregates"].checked == 2
    assert reports["movie aggregates"].fixed == 2
    assert_everything_exact()


def test_only_runs_the_matching_recomputers(world):
    reports = run_recomputers(fix=False, only=["vote"])
    assert [report.label for report in reports] == ["review vote counts"]


def test_recomputers_are_discovered_from_each_apps_recompute_module():
    labels = [label for label, _ in discover_recomputers()]
    assert labels == [
        "suggestion title counts",  # catalog
        "movie aggregates",
        "review vote counts",
        "user review counters",
        "user follow counters",  # social
    ]


def test_reconcile_is_reusable_for_other_counters(world):
    """What another app (social's follower counters) plugs in: a model, fields and a truth function."""
    progress = []
    User.objects.filter(pk=world["fan"].pk).update(following_count=5)
    drift = reconcile(
        label="following counts",
        model=User,
        fields=("following_count",),
        truth=lambda ids: {},  # nobody follows anybody in this world
        fix=True,
        batch_size=2,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert isinstance(drift, Drift)
    assert (drift.drifted, drift.fixed, dict(drift.columns)) == (1, 1, {"following_count": 1})
    assert progress[0] == (0, User.objects.count())
    assert progress[-1] == (User.objects.count(), User.objects.count())
    assert User.objects.get(pk=world["fan"].pk).following_count == 0


# --- the command and the task --------------------------------------------------------------------


def test_command_reports_and_fixes_drift(world, capsys):
    Movie.objects.filter(pk=world["movies"][0].pk).update(rating_sum=0)
    call_command("recompute_stats", "--no-progress")
    out = capsys.readouterr().out
    assert "movie aggregates: checked 2, 1 drifted (rating_sum: 1); fixed 1" in out
    assert "review vote counts: checked 4, no drift" in out
    assert "1 drifted row(s) in 5 kind(s), all fixed." in out
    assert_everything_exact()


def test_command_dry_run_and_fail_on_drift(world, capsys):
    Movie.objects.filter(pk=world["movies"][0].pk).update(rating_sum=0)
    with pytest.raises(CommandError, match="Drift found"):
        call_command("recompute_stats", "--dry-run", "--fail-on-drift", "--no-progress", verbosity=2)
    out = capsys.readouterr().out
    assert "would fix" in out
    assert "rating_sum 0 → 13" in out  # an example, shown with -v 2
    assert movie_stored(world["movies"][0].pk)["rating_sum"] == 0
    with pytest.raises(CommandError, match="Drift found"):  # found (and fixed) drift still fails the run
        call_command("recompute_stats", "--fail-on-drift", "--no-progress")
    call_command("recompute_stats", "--fail-on-drift", "--dry-run", "--no-progress")  # clean now


def test_command_shows_progress_bars_on_stderr(world, capsys):
    call_command("recompute_stats", "--only", "movie")
    assert "movie aggregates" in capsys.readouterr().err


def test_command_rejects_bad_options(world):
    with pytest.raises(CommandError):
        call_command("recompute_stats", "--only", "no-such-thing", "--no-progress")
    with pytest.raises(CommandError):
        call_command("recompute_stats", "--batch-size", "0", "--no-progress")


def test_celery_task_fixes_drift_and_returns_a_summary(world):
    Review.objects.filter(pk=world["reviews"][0].pk).update(unhelpful_votes=4)
    summary = tasks.recompute_stats.delay().get()
    votes = next(item for item in summary if item["label"] == "review vote counts")
    assert (votes["drifted"], votes["fixed"], votes["columns"]) == (1, 1, {"unhelpful_votes": 1})
    assert_everything_exact()


def test_role_sync_task(world):
    User.objects.filter(pk=world["fan"].pk).update(role=Role.CRITIC)
    assert tasks.review_author_role_sync.delay(str(world["fan"].pk)).get() == 2
    assert_everything_exact()


# --- locking helper ------------------------------------------------------------------------------


def _lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


def test_locked_atomic_restores_the_callers_lock_timeout_when_nested():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '7s'")
        with locked_atomic(timeout_ms=250):
            assert _lock_timeout() == "250ms"
        assert _lock_timeout() == "7s"


def test_the_task_is_scheduled_periodically():
    from lemonnpie.celery import app

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "reviews.tasks.recompute_stats")
    assert entry["schedule"] > 0
    assert "reviews.tasks.recompute_stats" in app.tasks
