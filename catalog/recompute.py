"""The catalogue's copies for `recompute_stats` (the protocol: lemonnpie/db/reconcile.py)."""

from catalog.models import Movie, MovieTitle
from lemonnpie.db.reconcile import counter


def _review_count_truth(movie_ids: list) -> dict:
    rows = Movie.objects.filter(pk__in=movie_ids).values_list("pk", "review_count")
    return {pk: {"review_count": count} for pk, count in rows}


# `movie_titles.review_count` (what suggestions order by) against `movies.review_count`; a trigger
# keeps it, this finds a copy a restore or a disabled trigger left behind.
recompute_title_review_counts = counter(
    "suggestion title counts", model=MovieTitle, fields=("review_count",), truth=_review_count_truth
)

RECOMPUTERS = [recompute_title_review_counts]
