"""Catalogue fixtures: movies with stored review aggregates as the reviews services leave them."""

import pytest

from catalog.models import SUB_RATINGS, Movie


def set_aggregates(movie: Movie, ratings: list[int], *, critic_ratings: list[int] = (), sub: int = 7) -> Movie:
    """Store the aggregate columns the reviews services would keep for these approved ratings."""
    counts = {f"rating_count_{value}": ratings.count(value) for value in range(1, 11)}
    sums = {f"{name}_sum": sub * len(ratings) for name in SUB_RATINGS}
    Movie.objects.filter(pk=movie.pk).update(
        review_count=len(ratings),
        rating_sum=sum(ratings),
        critic_count=len(critic_ratings),
        critic_rating_sum=sum(critic_ratings),
        **counts,
        **sums,
    )
    movie.refresh_from_db()
    return movie


@pytest.fixture
def rate():
    return set_aggregates


@pytest.fixture(autouse=True)
def _suggestions_without_a_time_budget(monkeypatch):
    """Answers never depend on how busy the test machine is: the suggestions' time budget (a
    safety net, tested on its own with a locked table) is out of reach here."""
    from catalog import selectors

    monkeypatch.setattr(selectors, "SUGGESTION_BUDGET_MS", 600_000)
