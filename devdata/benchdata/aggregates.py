"""Set every stored aggregate from the source rows, in set-based SQL.

One statement per table: a `target` CTE computes the exact values for every row, and the UPDATE
touches only rows whose stored values differ (`IS DISTINCT FROM`), so a second run changes
nothing and the returned counts are the drift that was repaired. `aggregate_drift()` runs the same
comparison without writing.

What a review adds to its movie and its author is the one recipe of `reviews.aggregates` (the SQL
is generated from it): only `approved` reviews count; `critic_*` are reviews whose author has role
`critic` now (and the review's `by_critic` flag is set to say the same); review vote counts count
every vote row; follower counts count rows.
`movies_watched` in the API is the user's approved review count (one review per user and movie),
so it has no column of its own.
"""

from django.db import connection, transaction

from accounts.models import Role, User
from catalog.models import Movie
from reviews.aggregates import MOVIE_AGGREGATE_FIELDS, MOVIE_RECIPE, USER_AGGREGATE_FIELDS, USER_RECIPE, aggregate_sql
from reviews.models import ModerationStatus, Review, ReviewVote, VoteType
from social.models import Follow


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables():
    return {
        "movies": _q(Movie._meta.db_table),
        "reviews": _q(Review._meta.db_table),
        "votes": _q(ReviewVote._meta.db_table),
        "users": _q(User._meta.db_table),
        "follows": _q(Follow._meta.db_table),
    }


def _movie_target() -> tuple[str, list[str]]:
    t = _tables()
    columns = list(MOVIE_AGGREGATE_FIELDS)
    exprs = aggregate_sql(MOVIE_RECIPE, fields_sql={"by_critic": "(u.role = %(critic)s)"})
    agg = ",\n               ".join(f"{e} AS {_q(c)}" for e, c in zip(exprs, columns, strict=True))
    picked = ", ".join(f"COALESCE(a.{_q(c)}, 0) AS {_q(c)}" for c in columns)
    sql = f"""
        WITH agg AS (
            SELECT r.{_q(Review._meta.get_field("movie").column)} AS movie_id,
               {agg}
            FROM {t["reviews"]} r
            JOIN {t["users"]} u ON u.id = r.{_q(Review._meta.get_field("user").column)}
            WHERE r.moderation_status = %(approved)s
            GROUP BY 1
        ), target AS (
            SELECT m.id, {picked}
            FROM {t["movies"]} m LEFT JOIN agg a ON a.movie_id = m.id
        )"""  # noqa: S608 (identifiers from model metadata and the recipe, values are parameters)
    return sql, [Movie._meta.get_field(c).column for c in columns]


def _user_target() -> tuple[str, list[str]]:
    t = _tables()
    review_user = _q(Review._meta.get_field("user").column)
    follower = _q(Follow._meta.get_field("follower").column)
    following = _q(Follow._meta.get_field("following").column)
    review_columns = list(USER_AGGREGATE_FIELDS)
    recount = ", ".join(f"{e} AS {_q(c)}" for e, c in zip(aggregate_sql(USER_RECIPE), review_columns, strict=True))
    picked = ", ".join(f"COALESCE(rv.{_q(c)}, 0) AS {_q(c)}" for c in review_columns)
    sql = f"""
        WITH rv AS (
            SELECT r.{review_user} AS id, {recount}
            FROM {t["reviews"]} r WHERE r.moderation_status = %(approved)s GROUP BY 1
        ), fr AS (
            SELECT {following} AS id, COUNT(*) AS n FROM {t["follows"]} GROUP BY 1
        ), fg AS (
            SELECT {follower} AS id, COUNT(*) AS n FROM {t["follows"]} GROUP BY 1
        ), target AS (
            SELECT u.id, {picked},
                   COALESCE(fr.n, 0) AS followers_count, COALESCE(fg.n, 0) AS following_count
            FROM {t["users"]} u
            LEFT JOIN rv ON rv.id = u.id LEFT JOIN fr ON fr.id = u.id LEFT JOIN fg ON fg.id = u.id
        )"""  # noqa: S608
    return sql, [*review_columns, "followers_count", "following_count"]


def _review_target() -> tuple[str, list[str]]:
    t = _tables()
    review = _q(ReviewVote._meta.get_field("review").column)
    sql = f"""
        WITH v AS (
            SELECT {review} AS id,
                   COUNT(*) FILTER (WHERE vote_type = %(helpful)s) AS helpful,
                   COUNT(*) FILTER (WHERE vote_type = %(unhelpful)s) AS unhelpful
            FROM {t["votes"]} GROUP BY 1
        ), target AS (
            SELECT r.id, COALESCE(v.helpful, 0) AS helpful_votes, COALESCE(v.unhelpful, 0) AS unhelpful_votes
            FROM {t["reviews"]} r LEFT JOIN v ON v.id = r.id
        )"""  # noqa: S608
    return sql, ["helpful_votes", "unhelpful_votes"]


_PARAMS = {
    "approved": ModerationStatus.APPROVED,
    "critic": Role.CRITIC,
    "helpful": VoteType.HELPFUL,
    "unhelpful": VoteType.UNHELPFUL,
}


def _critic_flag_target() -> tuple[str, list[str]]:
    t = _tables()
    sql = f"""
        WITH target AS (
            SELECT r.id, (u.role = %(critic)s) AS by_critic
            FROM {t["reviews"]} r JOIN {t["users"]} u ON u.id = r.{_q(Review._meta.get_field("user").column)}
        )"""  # noqa: S608
    return sql, ["by_critic"]


def _plans():
    t = _tables()
    plans = [
        ("movies", t["movies"], _movie_target()),
        ("users", t["users"], _user_target()),
        ("reviews", t["reviews"], _review_target()),
    ]
    if "by_critic" in {f.name for f in Review._meta.concrete_fields}:
        # The reviews app may keep a per-review "author is a critic" flag that its services read.
        plans.append(("review critic flags", t["reviews"], _critic_flag_target()))
    return plans


def _differs(columns: list[str]) -> str:
    stored = ", ".join(f"x.{_q(c)}" for c in columns)
    wanted = ", ".join(f"target.{_q(c)}" for c in columns)
    return f"ROW({stored}) IS DISTINCT FROM ROW({wanted})"


def recompute_all_aggregates() -> dict[str, int]:
    """Set movie, user and review aggregates exactly from the rows; returns rows changed per table
    (all zero when nothing had drifted)."""
    changed = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for label, table, (cte, columns) in _plans():
            assignments = ", ".join(f"{_q(c)} = target.{_q(c)}" for c in columns)
            cursor.execute(
                f"{cte} UPDATE {table} x SET {assignments} FROM target "  # noqa: S608
                f"WHERE x.id = target.id AND {_differs(columns)}",
                _PARAMS,
            )
            changed[label] = cursor.rowcount
    return changed


def aggregate_drift() -> dict[str, int]:
    """How many rows per table store an aggregate that differs from the rows (read-only)."""
    drift = {}
    with connection.cursor() as cursor:
        for label, table, (cte, columns) in _plans():
            cursor.execute(
                f"{cte} SELECT COUNT(*) FROM {table} x JOIN target ON target.id = x.id WHERE {_differs(columns)}",  # noqa: S608
                _PARAMS,
            )
            drift[label] = cursor.fetchone()[0]
    return drift
