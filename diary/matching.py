"""Match imported titles to the catalogue: IMDb id where given, else normalised title + year.

A title is normalised in SQL for both sides (`lnp_fold`: no accents; lower case; every run of
non-letters/digits → one space), so `Òfin Mósè` in an export matches `Ofin Mose` here. Title and
local title both count. With a year: exactly one film of that year → matched; several → ambiguous;
none of that year but some of that title → ambiguous (the candidates are listed). Without a year:
one film of that title → matched, several → ambiguous. No film of that title → unmatched.
"""

from dataclasses import dataclass, field

from django.db import connection

_NORMALISE = "trim(regexp_replace(lower(lnp_fold({})), '[^a-z0-9]+', ' ', 'g'))"
_CANDIDATES_SQL = f"""
WITH q(i, key) AS (
    SELECT i, {_NORMALISE.format("t")} FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, i)
)
SELECT q.i, m.id, m.title, EXTRACT(YEAR FROM m.release_date)::int FROM q JOIN movies m
    ON {_NORMALISE.format("m.title")} = q.key
UNION
SELECT q.i, m.id, m.title, EXTRACT(YEAR FROM m.release_date)::int FROM q JOIN movies m
    ON m.local_title <> '' AND {_NORMALISE.format("m.local_title")} = q.key
"""  # noqa: S608 (a fixed expression)
MAX_CANDIDATES = 5


@dataclass
class Match:
    status: str  # "matched" | "ambiguous" | "unmatched"
    movie_id: object = None
    candidates: list[dict] = field(default_factory=list)


def match_titles(keys: list[tuple[str, int | None, str]]) -> dict[tuple, Match]:
    """`{(title, year, imdb_id): Match}` for every key, in two queries whatever their number."""
    keys = list(dict.fromkeys(keys))
    result: dict[tuple, Match] = {}
    imdb_ids = sorted({imdb for _, _, imdb in keys if imdb})
    by_imdb = {}
    if imdb_ids:
        with connection.cursor() as cursor:
            cursor.execute("SELECT imdb_id, id FROM movies WHERE imdb_id = ANY(%s)", [imdb_ids])
            by_imdb = dict(cursor.fetchall())
    titles = [title for title, _, _ in keys]
    candidates: dict[int, list[tuple]] = {}
    if titles:
        with connection.cursor() as cursor:
            cursor.execute(_CANDIDATES_SQL, [titles])
            for index, movie_id, title, year in cursor.fetchall():
                candidates.setdefault(index - 1, []).append((movie_id, title, year))
    for index, key in enumerate(keys):
        title, year, imdb = key
        if imdb and imdb in by_imdb:
            result[key] = Match("matched", by_imdb[imdb])
            continue
        found = sorted(candidates.get(index, []), key=lambda c: (c[2] or 0, str(c[0])))
        listed = [{"id": str(m), "title": t, "year": y} for m, t, y in found[:MAX_CANDIDATES]]
        same_year = [c for c in found if year is not None and c[2] == year]
        if year is not None and len(same_year) == 1:
            result[key] = Match("matched", same_year[0][0])
        elif year is None and len(found) == 1:
            result[key] = Match("matched", found[0][0])
        elif found:
            result[key] = Match("ambiguous", candidates=listed)
        else:
            result[key] = Match("unmatched")
    return result


def stars_to_rating(stars: str) -> int | None:
    """Letterboxd's 0.5-5 stars (half steps) → our 1-10; blank or out of range → None."""
    try:
        value = float(stars)
    except (TypeError, ValueError):
        return None
    rating = round(value * 2)
    return rating if 1 <= rating <= 10 else None
