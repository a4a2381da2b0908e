"""The hot read paths' representations of movies, built from `values()` rows in plain Python.

They give exactly what `MovieSummarySerializer`, `MovieDetailSerializer` and
`MovieSearchResultSerializer` give for the same movie (same keys, order and values; the tests
compare them), at a fraction of the cost: no model instances, no serializer fields built per
request; genres and languages are kept on the movie's row (`genre_names`, `language_names`, by
database triggers) and the cast comes as an `ARRAY(...)` subquery, so a page of any size is one
query. The serializers stay the schema's source and serve everything else.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject
from django.utils import timezone

from catalog.models import SUB_RATINGS, CastRole, Movie, MovieCast

SUMMARY_COLUMNS = (
    "id",
    "type",
    "title",
    "local_title",
    "release_date",
    "release_date_precision",
    "runtime",
    "poster_url",
    "poster",
    "trailer_url",
    "director",
    "producer",
    "production_company",
    "production_state",
    "box_office_ng",
    "lemon_pie_rating",
    "review_count",
    "created_at",
    "updated_at",
    "genre_names",
    "language_names",
)
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    "plot_summary",
    "is_featured",
    "imdb_id",
    "imdb_rating",
    "imdb_votes",
    "rating_sum",
    *(f"rating_count_{value}" for value in range(1, 11)),
    *(f"{name}_sum" for name in SUB_RATINGS),
    "critic_count",
    "critic_rating_sum",
)


def cast_array():
    member = JSONObject(
        person_id="person_id", actor_name="actor_name", character_name="character_name", role_type="role_type"
    )
    return ArraySubquery(
        MovieCast.objects.filter(movie=OuterRef("pk")).order_by("position", "id").values(member=member)
    )


def summary_rows(queryset: QuerySet[Movie], *extra: str) -> QuerySet:
    """`queryset` (filtered, ordered, annotated as it is) as `values()` rows for `movie_summary`;
    `extra` names annotations to keep (e.g. `rank`)."""
    return queryset.prefetch_related(None).values(*SUMMARY_COLUMNS, *extra)


def detail_rows(queryset: QuerySet[Movie]) -> QuerySet:
    """`queryset` as `values()` rows for `movie_detail`: one query, cast included."""
    return queryset.prefetch_related(None).values(*DETAIL_COLUMNS).annotate(cast=cast_array())


def iso_datetime(value: datetime.datetime | None) -> str | None:
    # rest_framework.fields.DateTimeField: in the current time zone, ISO 8601, UTC as "Z".
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


POSTER_SIZES = ("url", "thumbnail", "medium", "large")


def poster_of(poster: dict | None, poster_url: str = "") -> dict | None:
    """`{url, thumbnail, medium, large}` of an uploaded poster (`Movie.poster`); for a title with only
    an external `poster_url`, that URL in every size (there are no renditions of it); else None."""
    if poster:
        return {size: poster[size] for size in POSTER_SIZES}
    if poster_url:
        return dict.fromkeys(POSTER_SIZES, poster_url)
    return None


def release_year(value: datetime.date | None) -> int | None:
    return value.year if value else None


BRIEF_COLUMNS = ("title", "type", "release_date", "poster", "poster_url")


def brief_columns(prefix: str = "movie__") -> tuple[str, ...]:
    """The `values()` columns `movie_brief` reads from a row reaching the movie through `prefix`."""
    return tuple(f"{prefix}{column}" for column in BRIEF_COLUMNS)


def movie_brief(row: dict, prefix: str = "movie__", id_key: str = "movie_id") -> dict:
    """MovieBrief `{id, title, type, release_year, poster}` (review.movie, feed items, filmographies,
    suggestions) from a row with `brief_columns(prefix)`."""
    return {
        "id": str(row[id_key]),
        "title": row[f"{prefix}title"],
        "type": row[f"{prefix}type"],
        "release_year": release_year(row[f"{prefix}release_date"]),
        "poster": poster_of(row[f"{prefix}poster"], row[f"{prefix}poster_url"]),
    }


def movie_summary(row: dict) -> dict:
    """MovieSummary (API.md §5) from a `summary_rows()` row."""
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "title": row["title"],
        "local_title": row["local_title"],
        "release_date": _date(row["release_date"]),
        "release_year": release_year(row["release_date"]),
        "release_date_precision": row["release_date_precision"],
        "runtime": row["runtime"],
        "poster_url": row["poster_url"],
        "poster": poster_of(row["poster"], row["poster_url"]),
        "trailer_url": row["trailer_url"],
        "director": row["director"],
        "producer": row["producer"],
        "production_company": row["production_company"],
        "production_state": row["production_state"],
        "box_office_ng": row["box_office_ng"],
        "genres": list(row["genre_names"]),
        "languages": list(row["language_names"]),
        "lemon_pie_rating": _float(row["lemon_pie_rating"]),
        "review_count": row["review_count"],
        "created_at": iso_datetime(row["created_at"]),
        "updated_at": iso_datetime(row["updated_at"]),
    }


def movie_detail(row: dict) -> dict:
    """Movie (API.md §5) from a `detail_rows()` row."""
    from catalog.api.serializers import MovieStatsSerializer

    data = movie_summary(row)
    data.update(
        plot_summary=row["plot_summary"],
        is_featured=row["is_featured"],
        imdb_id=row["imdb_id"],
        imdb_rating=_float(row["imdb_rating"]),
        imdb_votes=row["imdb_votes"],
        cast=[cast_member(member) for member in row["cast"] if member["role_type"] == CastRole.ACTOR],
        crew=[crew_member(member) for member in row["cast"] if member["role_type"] != CastRole.ACTOR],
        stats=MovieStatsSerializer.from_movie(SimpleNamespace(**row)),
    )
    return data


def cast_member(member: dict) -> dict:
    """A `cast` entry (actors only: directors, producers and writers are `crew`)."""
    person_id = member["person_id"]
    return {
        "person_id": str(person_id) if person_id else None,
        "actor_name": member["actor_name"],
        "character_name": member["character_name"],
        "role_type": member["role_type"],
    }


def crew_member(member: dict) -> dict:
    person_id = member["person_id"]
    return {
        "person_id": str(person_id) if person_id else None,
        "name": member["actor_name"],
        "role_type": member["role_type"],
    }


def movie_search_result(row: dict, snippets: dict) -> dict:
    """MovieSearchResult: the summary plus `rank` and the HTML-escaped `snippet`."""
    data = movie_summary(row)
    data["rank"] = round(float(row["rank"]), 6)
    data["snippet"] = snippets.get(row["id"], "")
    return data
