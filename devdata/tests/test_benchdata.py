"""The benchmark data generator on a small data set: counts, skew, invariants, exact aggregates.

The data is generated once for the module (outside the per-test transaction) and every test reads
it inside its own rolled-back transaction, so tests that corrupt counters do not leak.
"""

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role, User
from catalog.models import SUB_RATINGS, Movie, MovieCast, MovieGenre, MovieLanguage
from devdata.benchdata import BENCH_PASSWORD, aggregate_drift, recompute_all_aggregates, vocab
from reviews.models import ModerationStatus, Review, ReviewVote
from social.models import FavoriteEntry, Follow, WatchlistEntry

SIZES = {"movies": 200, "users": 300, "reviews": 4000, "votes": 9000, "follows": 2500}


@pytest.fixture(scope="module")
def bench(django_db_setup, django_db_blocker):
    out = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        started = timezone.now()
        call_command(
            "generate_bench_data", **SIZES, seed=7, yes=True, force=True, no_progress=True, batch_size=700, stdout=out
        )
        yield {"output": out.getvalue(), "started": started, "finished": timezone.now()}
        call_command("flush", interactive=False, verbosity=0)


def expected_aggregates():
    """Every stored aggregate, recomputed independently in Python from the rows."""
    roles = dict(User.objects.values_list("id", "role"))
    movies = defaultdict(Counter)
    users = defaultdict(Counter)
    reviews = defaultdict(Counter)
    rating_fields = ["lemon_pie_rating"] + [f"{sub}_rating" for sub in SUB_RATINGS]
    for row in Review.objects.values("id", "user_id", "movie_id", "moderation_status", *rating_fields):
        reviews[row["id"]]  # every review appears, with zero votes when it has none
        if row["moderation_status"] != ModerationStatus.APPROVED:
            continue
        rating = row["lemon_pie_rating"]
        movie = movies[row["movie_id"]]
        movie["review_count"] += 1
        movie["rating_sum"] += rating
        movie[f"rating_count_{rating}"] += 1
        for sub in SUB_RATINGS:
            movie[f"{sub}_sum"] += row[f"{sub}_rating"]
        if roles[row["user_id"]] == Role.CRITIC:
            movie["critic_count"] += 1
            movie["critic_rating_sum"] += rating
        users[row["user_id"]]["review_count"] += 1
        users[row["user_id"]]["review_rating_sum"] += rating
    for review_id, vote_type in ReviewVote.objects.values_list("review_id", "vote_type"):
        reviews[review_id][f"{vote_type}_votes"] += 1
    for follower, following in Follow.objects.values_list("follower_id", "following_id"):
        users[follower]["following_count"] += 1
        users[following]["followers_count"] += 1
    return movies, users, reviews


MOVIE_COLUMNS = [
    "review_count", "rating_sum", *[f"rating_count_{n}" for n in range(1, 11)],
    *[f"{sub}_sum" for sub in SUB_RATINGS], "critic_count", "critic_rating_sum",
]  # fmt: skip
USER_COLUMNS = ["review_count", "review_rating_sum", "followers_count", "following_count"]
REVIEW_COLUMNS = ["helpful_votes", "unhelpful_votes"]


def nothing_changed(per_table: dict[str, int]) -> bool:
    """Every table reported, none with a changed (or drifted) row."""
    return {"movies", "users", "reviews"} <= set(per_table) and set(per_table.values()) == {0}


def assert_aggregates_exact():
    movies, users, reviews = expected_aggregates()
    mismatches = []
    for model, columns, expected in (
        (Movie, MOVIE_COLUMNS, movies),
        (User, USER_COLUMNS, users),
        (Review, REVIEW_COLUMNS, reviews),
    ):
        for row in model.objects.values("id", *columns):
            want = expected.get(row["id"], Counter())
            for column in columns:
                if row[column] != want[column]:
                    mismatches.append((model.__name__, row["id"], column, row[column], want[column]))
    assert mismatches == []


@pytest.mark.django_db
def test_every_table_gets_exactly_the_requested_rows(bench):
    assert User.objects.count() == SIZES["users"]
    assert Movie.objects.count() == SIZES["movies"]
    assert Review.objects.count() == SIZES["reviews"]
    assert ReviewVote.objects.count() == SIZES["votes"]
    assert Follow.objects.count() == SIZES["follows"]
    assert WatchlistEntry.objects.count() == SIZES["reviews"] // 5
    assert FavoriteEntry.objects.count() == SIZES["reviews"] // 10
    # Every movie has a genre, a language and a cast; the summary names every phase and the password.
    assert MovieGenre.objects.values("movie").distinct().count() == SIZES["movies"]
    assert MovieLanguage.objects.values("movie").distinct().count() == SIZES["movies"]
    assert MovieCast.objects.values("movie").distinct().count() == SIZES["movies"]
    for phase in ("users", "movies", "reviews", "votes", "follows", "aggregates", "vacuum analyze"):
        assert f"\n{phase}" in bench["output"]
    assert "aggregate drift after recompute: movies 0, users 0, reviews 0" in bench["output"]
    assert BENCH_PASSWORD in bench["output"]


@pytest.mark.django_db
def test_stored_aggregates_match_the_rows_exactly(bench):
    assert_aggregates_exact()
    assert nothing_changed(aggregate_drift())
    # The non-approved reviews exist, so "approved only" is really exercised.
    statuses = Counter(Review.objects.values_list("moderation_status", flat=True))
    assert statuses[ModerationStatus.PENDING] > 0
    assert statuses[ModerationStatus.REJECTED] > 0
    assert Movie.objects.filter(critic_count__gt=0).exists()


@pytest.mark.django_db
def test_recompute_twice_changes_nothing(bench):
    assert nothing_changed(recompute_all_aggregates())
    assert nothing_changed(recompute_all_aggregates())


@pytest.mark.django_db
def test_recompute_repairs_every_kind_of_drift(bench):
    busiest = Movie.objects.order_by("-review_count", "id").first()
    hidden = Review.objects.filter(moderation_status=ModerationStatus.APPROVED).order_by("id").first()
    Review.objects.filter(pk=hidden.pk).update(moderation_status=ModerationStatus.REJECTED)
    Movie.objects.filter(pk=busiest.pk).update(review_count=busiest.review_count + 5, rating_count_3=0, story_sum=1)
    Movie.objects.filter(critic_count__gt=0).update(critic_count=0, critic_rating_sum=0)
    User.objects.filter(role=Role.CRITIC).update(review_count=0, followers_count=12345)
    Review.objects.filter(helpful_votes__gt=0).update(helpful_votes=0, unhelpful_votes=99)
    drift = aggregate_drift()
    assert all(drift[table] > 0 for table in ("movies", "users", "reviews"))

    changed = recompute_all_aggregates()
    assert changed == drift  # it rewrote exactly the rows that had drifted
    assert_aggregates_exact()
    assert nothing_changed(recompute_all_aggregates())


@pytest.mark.django_db
def test_a_few_titles_get_most_reviews_and_a_few_users_are_very_busy(bench):
    per_movie = sorted(Counter(Review.objects.values_list("movie_id", flat=True)).values(), reverse=True)
    top = max(1, SIZES["movies"] // 100)
    top_share = sum(per_movie[:top]) / SIZES["reviews"]
    assert top_share >= 5 * top / SIZES["movies"]  # five times a uniform share at least
    assert sum(per_movie[: SIZES["movies"] // 10]) / SIZES["reviews"] >= 0.35
    per_user = Counter(Review.objects.values_list("user_id", flat=True))
    assert max(per_user.values()) >= 4 * SIZES["reviews"] / SIZES["users"]
    assert len(per_user) < SIZES["users"]  # some users never review
    followers = Counter(Follow.objects.values_list("following_id", flat=True))
    assert max(followers.values()) >= 5 * SIZES["follows"] / SIZES["users"]


@pytest.mark.django_db
def test_nobody_votes_on_their_own_review_or_follows_themselves_and_pairs_are_unique(bench):
    assert not ReviewVote.objects.filter(user_id=F("review__user_id")).exists()
    assert not Follow.objects.filter(follower_id=F("following_id")).exists()
    for model, pair in (
        (Review, ("user_id", "movie_id")),
        (ReviewVote, ("user_id", "review_id")),
        (Follow, ("follower_id", "following_id")),
        (WatchlistEntry, ("user_id", "movie_id")),
        (FavoriteEntry, ("user_id", "movie_id")),
    ):
        rows = list(model.objects.values_list(*pair))
        assert len(rows) == len(set(rows)), model.__name__
    emails = list(User.objects.values_list("email", flat=True))
    assert len({e.lower() for e in emails}) == len(emails)
    assert all(e == e.lower() for e in emails)


@pytest.mark.django_db
def test_ratings_correlate_within_a_review_and_within_a_movie(bench):
    rows = list(Review.objects.values_list("movie_id", "lemon_pie_rating", "story_rating", "cinematography_rating"))
    overall = [r[1] for r in rows]
    assert correlation(overall, [r[2] for r in rows]) > 0.5
    assert correlation(overall, [r[3] for r in rows]) > 0.4
    # Split each busy movie's reviews in two halves: the halves' means agree (a latent quality).
    by_movie = defaultdict(list)
    for movie_id, rating, *_ in rows:
        by_movie[movie_id].append(rating)
    halves = [(mean(v[::2]), mean(v[1::2])) for v in by_movie.values() if len(v) >= 20]
    assert len(halves) >= 10
    assert correlation([a for a, _ in halves], [b for _, b in halves]) > 0.5


def mean(values):
    return sum(values) / len(values)


def correlation(xs, ys):
    mx, my = mean(xs), mean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    return cov / (vx * vy) ** 0.5


@pytest.mark.django_db
def test_reviews_have_languages_tags_spoilers_and_recent_activity(bench):
    languages = Counter(Review.objects.values_list("review_language", flat=True))
    assert set(languages) == {"en", "yo", "ig", "ha", "pcm"}
    assert languages["en"] > SIZES["reviews"] / 2
    tags = Counter(t for row in Review.objects.values_list("nollywood_tags", flat=True) for t in row)
    assert len(tags) >= 15
    assert Review.objects.filter(spoiler_warning=True).exists()
    assert Review.objects.filter(spoiler_warning=False).exists()
    week_ago = bench["finished"] - timedelta(days=7)
    assert Review.objects.filter(created_at__gte=week_ago).count() >= SIZES["reviews"] * 0.03
    assert ReviewVote.objects.filter(created_at__gte=week_ago).exists()
    assert User.objects.filter(created_at__gte=week_ago - timedelta(days=23)).exists()  # sign-ups keep coming
    assert all(10 <= len(t) <= 5000 for t in Review.objects.values_list("review_text", flat=True))


@pytest.mark.django_db
def test_times_are_consistent(bench):
    end = bench["finished"]
    start = bench["started"] - timedelta(days=3 * 365 + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.created_at < u.created_at"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT COUNT(*) FROM review_votes v JOIN reviews r ON r.id = v.review_id "
            "JOIN users u ON u.id = v.user_id WHERE v.created_at < r.created_at OR v.created_at < u.created_at"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT COUNT(*) FROM user_follows f JOIN users a ON a.id = f.follower_id "
            "JOIN users b ON b.id = f.following_id WHERE f.created_at < a.created_at OR f.created_at < b.created_at"
        )
        assert cursor.fetchone()[0] == 0
    for model, column in ((User, "created_at"), (Review, "created_at"), (ReviewVote, "created_at"),
                          (Follow, "created_at"), (WatchlistEntry, "added_at")):  # fmt: skip
        assert not model.objects.filter(**{f"{column}__gt": end}).exists(), model.__name__
        assert not model.objects.filter(**{f"{column}__lt": start}).exists(), model.__name__
    assert not Review.objects.filter(updated_at__lt=F("created_at")).exists()


@pytest.mark.django_db
def test_users_can_log_in_and_include_a_few_critics_and_moderators(bench):
    roles = Counter(User.objects.values_list("role", flat=True))
    assert roles[Role.CRITIC] >= 1
    assert roles[Role.MODERATOR] >= 1
    assert roles[Role.ADMIN] == 0
    assert roles[Role.USER] > 0.9 * SIZES["users"]
    user = User.objects.order_by("email").first()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        assert check_password(BENCH_PASSWORD, user.password)
    assert user.is_active


@pytest.mark.django_db
def test_names_come_from_the_nigerian_faker_locales_and_movies_are_searchable(bench):
    pools = vocab.build_name_pools(7)
    last_names = {name for locale in vocab.NAME_LOCALES for name in pools.last[locale]}
    assert all(name.split(" ", 1)[1] in last_names for name in User.objects.values_list("name", flat=True))
    assert not Movie.objects.filter(search_vector__isnull=True).exists()


def test_generated_data_passes_recompute_stats_with_zero_drift(bench):
    """The live-site recount (reviews.recompute, row locks and all) agrees with the generator."""
    out = StringIO()
    call_command("recompute_stats", "--dry-run", "--fail-on-drift", "--no-progress", stdout=out)
    assert "0 drifted row(s) in 5 kind(s)" in out.getvalue() or "no drift" in out.getvalue()
    assert "drifted (" not in out.getvalue()
