"""Database expressions for accent-insensitive catalogue search.

`lnp_fold(text)` is an IMMUTABLE SQL wrapper around `unaccent` (catalog/sql/lnp_fold.sql), so it
can appear in index expressions: the trigram indexes are built on exactly `lnp_fold(column)` and
the lookups below compare exactly that expression, which is what lets PostgreSQL use them.
`lnp_search` is a text search configuration: `english` with the `unaccent` filtering dictionary in
front of the stemmer, so `Òfin Mósè`, `ofin mose` and `OFIN MOSE` give the same lexemes and
`ts_headline` still highlights the accented original.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import models
from django.db.models import F, Func, Lookup, Q, Value
from django.db.models.functions import Concat, Greatest, Upper
from django.db.models.lookups import GreaterThanOrEqual

SEARCH_CONFIG = "lnp_search"


class Fold(Func):
    """`lnp_fold(expr)`: the text without accents, tone marks, under-dots or hooks (`Ìjọ̀ba` → `Ijoba`)."""

    function = "lnp_fold"
    arity = 1
    output_field = models.TextField()


class ILike(Lookup):
    """`lhs ILIKE rhs` without Django's UPPER() wrapping, so a trigram index on `lhs` stays usable."""

    lookup_name = "raw_ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def folded_contains(column: str, value: str) -> ILike:
    """Accent- and case-insensitive substring match of `value` in `column` (trigram-indexed)."""
    pattern = Concat(Value("%"), Fold(Value(like_escape(value))), Value("%"), output_field=models.TextField())
    return ILike(Fold(column), pattern)


def title_matches(query: str) -> Q:
    """For `MovieTitle` rows: the folded title or local title is trigram-similar to `query`, or
    contains a run of words like it. Both operators are answered by the GIN trigram indexes on
    `movie_titles.title` and `movie_titles.local_title` (already folded)."""
    folded = Fold(Value(query))
    return (
        Q(TrigramSimilar(F("title"), folded))
        | Q(TrigramWordSimilar(F("title"), folded))
        | Q(TrigramSimilar(F("local_title"), folded))
        | Q(TrigramWordSimilar(F("local_title"), folded))
    )


def title_passes(query: str, similarity: float, word_similarity: float) -> Q:
    """What `title_matches` means at these thresholds, computed on the rows at hand (no index)."""
    folded = Fold(Value(query))
    return (
        Q(GreaterThanOrEqual(TrigramSimilarity("title", folded), similarity))
        | Q(GreaterThanOrEqual(TrigramWordSimilarity(folded, "title"), word_similarity))
        | Q(GreaterThanOrEqual(TrigramSimilarity("local_title", folded), similarity))
        | Q(GreaterThanOrEqual(TrigramWordSimilarity(folded, "local_title"), word_similarity))
    )


def title_closeness(query: str):
    """How alike `query` and a `MovieTitle`'s whole title or local title are, 0..1 (the trigram
    similarity; a title with every typed word scores higher the less else it has)."""
    folded = Fold(Value(query))
    return Greatest(TrigramSimilarity("title", folded), TrigramSimilarity("local_title", folded))


def title_similarity(query: str):
    """How well `query` matches a `MovieTitle`'s title or local title, 0..1."""
    folded = Fold(Value(query))
    return Greatest(
        TrigramSimilarity("title", folded),
        TrigramWordSimilarity(folded, "title"),
        TrigramSimilarity("local_title", folded),
        TrigramWordSimilarity(folded, "local_title"),
    )


class TitleWords(Func):
    """`lnp_title_words(title, local_title)`: the lower-cased words (runs of letters and digits) of
    both, in order (IMMUTABLE, catalog/sql/lnp_title_words.sql)."""

    function = "lnp_title_words"
    arity = 2
    output_field = ArrayField(models.TextField())


class UpperArray(Func):
    """`lnp_upper_array(names)`: every element upper-cased (IMMUTABLE, catalog/sql/lnp_upper_array.sql); it makes the
    stored `movies.genre_keys` / `language_keys` the genre and language filters compare."""

    function = "lnp_upper_array"
    arity = 1
    output_field = ArrayField(models.TextField())


class _ArrayOf(Func):
    function = "ARRAY"
    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(models.TextField())


class _Includes(Func):
    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()


def names_include(keys_column: str, value: str) -> _Includes:
    """The upper-cased names column (`genre_keys`, `language_keys`) holds `value`, compared as
    `iexact` compares (PostgreSQL's `upper`): `keys @> ARRAY[upper(value)]`, GIN-indexed."""
    return _Includes(F(keys_column), _ArrayOf(Upper(Value(value, output_field=models.TextField()))))


class _Overlaps(Func):
    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()


def _upper_names(values: list[str]) -> _ArrayOf:
    return _ArrayOf(*(Upper(Value(value, output_field=models.TextField())) for value in values))


def names_include_any(keys_column: str, values: list[str]) -> _Overlaps:
    """The names column holds at least one of `values` (case-insensitive): `keys && ARRAY[...]`, GIN-indexed."""
    return _Overlaps(F(keys_column), _upper_names(values))


def names_include_all(keys_column: str, values: list[str]) -> _Includes:
    """The names column holds every one of `values` (case-insensitive): `keys @> ARRAY[...]`, GIN-indexed."""
    return _Includes(F(keys_column), _upper_names(values))


class PersonKey(Func):
    """`lnp_person_key(name)`: a name folded as people are told apart (no accents, lower case,
    single spaces; catalog/sql/lnp_person_key.sql)."""

    function = "lnp_person_key"
    arity = 1
    output_field = models.TextField()


def key_contains(column: str, value: str) -> ILike:
    """`column` (already a person key) contains `value` folded the same way; trigram-indexed."""
    pattern = Concat(Value("%"), PersonKey(Value(like_escape(value))), Value("%"), output_field=models.TextField())
    return ILike(F(column), pattern)
