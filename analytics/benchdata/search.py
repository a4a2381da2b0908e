"""Search vectors for the generated titles.

If the catalogue keeps `movies.search_vector` up to date itself (a trigger, or a generated column),
the COPY already filled it and this changes nothing. Otherwise the generated rows get a vector
built the way API.md §5 describes search: title and local title (A), people, company and state
(B), cast names (C), plot summary (D), accent-insensitive through `unaccent`.
"""

from django.db import connection

from catalog.models import Movie, MovieCast


def fill_missing_search_vectors(id_prefix: str) -> int:
    """Fill `search_vector` where it is NULL on the movies whose id starts with `id_prefix`
    (one generator run); returns the number of rows filled."""
    movies = connection.ops.quote_name(Movie._meta.db_table)
    cast = connection.ops.quote_name(MovieCast._meta.db_table)
    sql = f"""
        UPDATE {movies} m SET search_vector =
              setweight(to_tsvector('simple', unaccent(m.title || ' ' || m.local_title)), 'A')
           || setweight(to_tsvector('simple', unaccent(m.director || ' ' || m.producer || ' '
                        || m.production_company || ' ' || m.production_state)), 'B')
           || setweight(to_tsvector('simple', unaccent(COALESCE(
                  (SELECT string_agg(c.actor_name, ' ') FROM {cast} c WHERE c.movie_id = m.id), ''))), 'C')
           || setweight(to_tsvector('english', unaccent(m.plot_summary)), 'D')
        WHERE m.search_vector IS NULL AND m.id BETWEEN %(low)s::uuid AND %(high)s::uuid
    """  # noqa: S608 (table names from model metadata)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"low": f"{id_prefix}000000000000", "high": f"{id_prefix}ffffffffffff"})
        return cursor.rowcount
