"""What the catalogue endpoints (and other apps) read: ordered querysets, and the `values()` rows
the shapes of `catalog.shapes` are built from (one query per page, whatever its size)."""

import functools
import time
from collections.abc import Callable
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import OperationalError, connections, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Min,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, JSONObject, Upper
from django.utils import timezone

from catalog.expressions import (
    SEARCH_CONFIG,
    key_contains,
    title_closeness,
    title_matches,
    title_passes,
    title_similarity,
)
from catalog.models import (
    LISTED_TYPES,
    CastRole,
    Movie,
    MovieCast,
    MovieGenre,
    MovieLanguage,
    MovieTitle,
    MovieTitleWord,
    MovieTitleWordKey,
    Person,
    PersonName,
)
from catalog.shapes import (
    HEADLINE_START,
    HEADLINE_STOP,
    MovieBrief,
    MovieDetail,
    MovieSearchResult,
    MovieSuggestion,
    MovieSummary,
)
from lemonnpie.db.compiled import (
    PAGE_IDS,
    CompiledPages,
    CompiledQuery,
    CountedPage,
    compile_counted_page,
    compile_query,
)
from lemonnpie.db.planner import set_local
from lemonnpie.replicas import read_alias

# Columns a list row never shows; the tsvector in particular is large.
LIST_DEFERRED = ("search_vector", "plot_summary")
DEFAULT_ORDERING = (F("release_date").desc(nulls_last=True), "title", "id")
SUGGESTION_LIMIT = 10
TRENDING_WINDOW = timedelta(days=7)


def movie_list_queryset(*, movie_type: str | None = None) -> QuerySet[Movie]:
    """Movies as list rows: newest release first (undated last)."""
    queryset = Movie.objects.defer(*LIST_DEFERRED)
    if movie_type:
        queryset = queryset.filter(type=movie_type)
    return queryset.order_by(*DEFAULT_ORDERING)


def movie_summary_rows(queryset: QuerySet[Movie], shape=MovieSummary) -> QuerySet:
    """`queryset` (filtered, ordered, annotated as it is: e.g. `rank` for MovieSearchResult) as
    rows for `shape.build`; genres and languages are on the movie row, so one query."""
    return shape.rows(queryset)


def cast_array(*, actors: bool = True):
    """The movie's actors (or, `actors=False`, its crew) as an `ARRAY(...)` of JSON objects, in billing
    order (a subquery)."""
    member = JSONObject(
        person_id="person_id", actor_name="actor_name", character_name="character_name", role_type="role_type"
    )
    rows = MovieCast.objects.filter(movie=OuterRef("pk"))
    rows = rows.filter(role_type=CastRole.ACTOR) if actors else rows.exclude(role_type=CastRole.ACTOR)
    return ArraySubquery(rows.order_by("position", "id").values(member=member))


@functools.cache
def _detail_query() -> CompiledQuery:
    """`movie_detail_row`'s query, compiled once: building it through the ORM cost three times what
    PostgreSQL takes to answer it (a cold detail read, measured in-process: 4.2 ms)."""

    def build(*, movie):
        queryset = Movie.objects.filter(pk=movie).annotate(cast=cast_array(), crew=cast_array(actors=False))
        return MovieDetail.rows(queryset)[:1]

    return compile_query(build, "movie")


def movie_detail_row(*, movie_id, movie_type: str | None = None) -> dict | None:
    """One movie as a MovieDetail row (one query, cast included), or None (also when it is not of
    `movie_type`). Read where the ORM reads movies (a replica when there is one)."""
    row = _detail_query().first(using=read_alias(Movie), movie=movie_id)
    return None if row is None or (movie_type and row["type"] != movie_type) else row


# --- search -------------------------------------------------------------------------------------


def search_query(q: str) -> SearchQuery:
    """Web-search syntax (`"exact phrase"`, `or`, `-word`) over the accent-folding configuration;
    any input is valid, none raises a syntax error."""
    return SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")


# Best match first, then the best rated (unrated last), then by title: (column, descending).
SEARCH_ORDER = (("rank", True), ("lemon_pie_rating", True), ("title", False), ("id", False))


def _search_ordering() -> list[OrderBy]:
    return [F(name).desc(nulls_last=True) if descending else F(name).asc() for name, descending in SEARCH_ORDER]


def _search_annotations(query: SearchQuery) -> dict:
    """A search row's `rank` and `headline`: a plot excerpt with the matched words marked
    (`catalog.shapes.snippet_html`)."""
    headline = SearchHeadline(
        "plot_summary",
        query,
        config=SEARCH_CONFIG,
        start_sel=HEADLINE_START,
        stop_sel=HEADLINE_STOP,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    return {"rank": SearchRank(F("search_vector"), query), "headline": headline}


def movie_search(*, queryset: QuerySet[Movie], q: str) -> QuerySet[Movie]:
    """Rows of `queryset` matching `q`, best first (the GIN index on `search_vector` finds them),
    each with its `rank` and `headline`. PostgreSQL makes the headline (the costly part) only for
    the rows of the page: it computes such an expression after the sort and the limit."""
    query = search_query(q)
    return queryset.filter(search_vector=query).annotate(**_search_annotations(query)).order_by(*_search_ordering())


class CompiledSearch:
    """`movie_search` of the titles `matches()` gives, compiled with `q` as its parameter (each
    statement on first use), for `CompiledPages`: the page rows (MovieSearchResult), the matching
    titles to count, and both `together` in one statement that finds the matching titles once
    (`compile_counted_page`: their ids and ranks are kept, counted and sorted, and the page's full
    rows and headlines read by id). For a common word (9,000 titles) that halves what PostgreSQL
    does; over the bench's distinct searches, 2.2 → 1.6 ms. Building and compiling the search
    through the ORM costs more CPU than PostgreSQL takes to answer it, so the search of `q` alone
    is compiled once (`catalog.api.views._compiled_search`)."""

    def __init__(self, matches: Callable[[], QuerySet[Movie]]):
        self.matches = matches

    @functools.cached_property
    def rows(self) -> CompiledQuery:
        return compile_query(
            lambda *, q: movie_summary_rows(movie_search(queryset=self.matches(), q=q), MovieSearchResult),
            texts=("q",),
        )

    @functools.cached_property
    def counted(self) -> CompiledQuery:
        return compile_query(self._matching("pk"), texts=("q",))

    @functools.cached_property
    def together(self) -> CountedPage:
        hits = compile_query(self._matching(*(name for name, _ in SEARCH_ORDER)), texts=("q",))
        page = _compiled_page_rows()
        order = ", ".join(f'"{name}"{" DESC NULLS LAST" if descending else ""}' for name, descending in SEARCH_ORDER)
        return compile_counted_page(hits, page, order=order)

    def _matching(self, *columns: str) -> Callable[..., QuerySet]:
        """The matching titles, unordered, as `columns` only."""
        return lambda *, q: movie_search(queryset=self.matches(), q=q).order_by().values(*columns)


@functools.cache
def _compiled_page_rows() -> CompiledQuery:
    """The rows of the page `compile_counted_page` picks, as `movie_search` makes them (whatever
    the titles searched: compiled once)."""

    def page_rows(*, q: str) -> QuerySet:
        page = Movie.objects.filter(pk__in=RawSQL(*PAGE_IDS))  # noqa: S611 (a constant, no values)
        page = page.annotate(**_search_annotations(search_query(q))).order_by(*_search_ordering())
        return movie_summary_rows(page, MovieSearchResult)

    return compile_query(page_rows, texts=("q",))


def search_pages(compiled: CompiledSearch, *, q: str) -> CompiledPages:
    """A `CompiledSearch` for `q`, for `OneStatementPaginator`, read where the ORM reads movies."""
    return CompiledPages(compiled, values={"q": q}, using=read_alias(Movie))


# pg_trgm's thresholds (its defaults), set explicitly so the answer never depends on server settings.
SIMILARITY_THRESHOLD = 0.3
WORD_SIMILARITY_THRESHOLD = 0.6
# Stricter thresholds tried first: common words ("The", "of") make the trigram index hand 25,000
# candidates to the 0.3 lookup, a few thousand to these.
SUGGESTION_TIERS = (0.6, 0.45)


# Bounds on the work of one suggestion request, whatever `q` is (issue 15): the typed words
# considered (titles in the catalogue have at most 16 words, 99.9% at most 12), the characters
# the whole-query trigram match compares (a title of 70+ characters is rare; a query much longer
# than every title cannot be trigram-similar to one anyway), the titles with every word that are
# ranked by closeness (the most reviewed ones, when more match), and a time budget for the whole
# answer after which the best found so far is the answer.
SUGGESTION_MAX_WORDS = 12
SUGGESTION_MAX_WORD_LENGTH = 40  # the longest title word in the catalogue has 16 letters
SUGGESTION_MAX_TRIGRAM_CHARS = 64
# The exact tiers pay off when a short text shares trigrams with many titles; a longer one is
# compared at the real thresholds at once (one statement instead of three; the same answer).
SUGGESTION_TIERED_CHARS = 32
SUGGESTION_CANDIDATES = 2000
# The SQL's share of the 100 ms p99 every suggestion request must meet; the rest is left for the
# request around it (at 80 the common-short-word requests' p99 was 110 ms on a busy 2-core machine).
SUGGESTION_BUDGET_MS = 60


class SuggestionRows(list):
    """The suggestion rows; `complete` is False when the time budget ran out first (the rows are
    then the best found so far: the view caches them only briefly)."""

    complete = True


class _Budget:
    """What is left of `SUGGESTION_BUDGET_MS` for the next statement (its `statement_timeout`)."""

    def __init__(self):
        self.deadline = time.monotonic() + SUGGESTION_BUDGET_MS / 1000

    def left_ms(self) -> int:
        return max(1, int((self.deadline - time.monotonic()) * 1000))

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline


def _timed_out(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "57014"  # query_canceled (statement_timeout)


def _trigram_thresholds(cursor, similarity: float, word_similarity: float, budget: _Budget) -> None:
    set_local(
        cursor,
        pg_trgm__similarity_threshold=similarity,
        pg_trgm__word_similarity_threshold=word_similarity,
        statement_timeout=budget.left_ms(),
    )


def suggestion_words(q: str) -> list[str]:
    """The folded words of `q` a suggestion looks titles up by: distinct, the last one (perhaps
    still being typed) last, at most `SUGGESTION_MAX_WORDS` of them (the first ones typed)."""
    with connections[read_alias(MovieTitle)].cursor() as cursor:
        cursor.execute("SELECT lnp_words(lnp_fold(%s))", [q])
        words = cursor.fetchone()[0]
    return _distinct_words(words[:SUGGESTION_MAX_WORDS])


def trigram_text(q: str) -> str:
    """What of `q` the whole-query trigram match compares: its first `SUGGESTION_MAX_WORDS` words
    (as separated by spaces), at most `SUGGESTION_MAX_TRIGRAM_CHARS` characters of them, cut at the
    end of a word when there is one."""
    text = " ".join(q.split()[:SUGGESTION_MAX_WORDS])
    if len(text) <= SUGGESTION_MAX_TRIGRAM_CHARS:
        return text
    head = text[: SUGGESTION_MAX_TRIGRAM_CHARS + 1]
    return head.rsplit(" ", 1)[0] if " " in head else text[:SUGGESTION_MAX_TRIGRAM_CHARS]


def movie_suggestions(*, q: str, limit: int = SUGGESTION_LIMIT) -> SuggestionRows:
    """Up to `limit` titles for what is being typed, closest first: the titles with every typed word
    (`_titles_with_words`: short words too, "t", "of a", through the word index and among the most
    reviewed titles when many have them); when none has them all, with every word of three or more
    letters (a slip in "of" gives "af", which could stand for anything); when none has those either,
    the titles trigram-similar to the whole query (`_titles_like_the_query`; for short words alone it
    compares trigrams half the catalogue has, and often ran out of time with nothing found). The
    work is bounded whatever `q` is (see `SUGGESTION_MAX_WORDS` and the bounds beside it)."""
    budget = _Budget()
    rows, complete = [], True
    words = suggestion_words(q)
    try:
        if words:
            matches = _vocabulary_matches(words)
            rows = _titles_with_words(matches, q, limit, budget)
            longer = [found for word, found in zip(words, matches, strict=True) if len(word) > 2]
            if not rows and 0 < len(longer) < len(words):
                rows = _titles_with_words(longer, q, limit, budget)
        rows = rows or _titles_like_the_query(trigram_text(q), limit, budget)
    except _OutOfTime as out:
        rows, complete = out.rows, False
    build = MovieSuggestion.builder("movie__")
    answer = SuggestionRows(build(row) for row in rows)
    answer.complete = complete
    return answer


class _OutOfTime(Exception):
    """The time budget ran out; `rows` are the best found before it did."""

    def __init__(self, rows: list):
        super().__init__()
        self.rows = rows


def _distinct_words(words: list[str]) -> list[str]:
    """`words` without repeats, the last word (matched as a prefix too) kept last."""
    if not words:
        return []
    *head, last = words
    return [*dict.fromkeys(word for word in head if word != last), last]


def _suggestion_rows(queryset, score, limit: int, *, candidates: int | None = None) -> list:
    """`queryset` of `MovieTitle` rows, the highest `score` first, then the most reviewed. They are
    ordered on `movie_titles` alone; only the `limit` chosen meet `movies`. With `candidates`, only
    that many of the rows (the most reviewed) are scored."""
    ordering = ("-similarity", F("review_count").desc(), "title", "movie_id")
    if candidates:
        queryset = MovieTitle.objects.using(queryset.db).filter(
            pk__in=queryset.order_by(F("review_count").desc(), "pk").values("pk")[:candidates]
        )
    chosen = queryset.annotate(similarity=score).order_by(*ordering).values("movie_id")[:limit]
    return list(
        MovieTitle.objects.using(queryset.db)
        .filter(movie_id__in=chosen)
        .annotate(similarity=score)
        .order_by(*ordering)
        .values(*MovieSuggestion.columns("movie__"))
    )


def spelling_keys(word: str) -> set[str]:
    """The keys (`MovieTitleWordKey`) a typed word looks title words up by: the word and the word
    with one letter left out; a word of one or two letters only as typed or with its letters
    swapped (one letter left out of it could stand for any short word)."""
    if len(word) <= 2:
        return {word, word[::-1]}
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _titles_with_words(matches: list[set[str]], q: str, limit: int, budget: _Budget) -> list[dict]:
    """Titles (or local titles) with one of the title words in each of `matches`, closest to `q`
    first, through the GIN index on their words, so common words ("The ...") cost no more than
    rare ones. When more than `SUGGESTION_CANDIDATES` titles have them all ("the s"), the closest of
    the most reviewed that many."""
    if not matches or not all(matches):
        return []
    if budget.spent():
        raise _OutOfTime([])
    queryset = MovieTitle.objects.all()
    for found in matches:
        queryset = queryset.filter(words__overlap=sorted(found))
    # The planner prices a GIN lookup of many words as many lookups and would rather read the whole
    # table (53,000 rows compared to find 300); the index is always the faster way here.
    alias = read_alias(MovieTitle)  # the settings are local to the transaction the rows are read in
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            set_local(
                cursor, enable_seqscan="off", max_parallel_workers_per_gather=0, statement_timeout=budget.left_ms()
            )
            return _suggestion_rows(queryset.using(alias), title_closeness(q), limit, candidates=SUGGESTION_CANDIDATES)
    except OperationalError as error:
        if _timed_out(error):
            raise _OutOfTime([]) from error
        raise


def _vocabulary_matches(words: list[str]) -> list[set[str]]:
    """For each typed word, the title words it may stand for: itself, a word one letter added,
    dropped, changed or swapped away (sharing a key), and for the last word (perhaps still being
    typed) a word it begins. One query for all of them."""
    # A word longer than any title word (+1) is one slip from none: it has no keys to look up.
    keys = [spelling_keys(word) if len(word) <= SUGGESTION_MAX_WORD_LENGTH else set() for word in words]
    last = words[-1]
    by_key = MovieTitleWordKey.objects.filter(key__in=set().union(*keys)).values_list("key", "word")
    begun = MovieTitleWord.objects.filter(word__startswith=last).annotate(key=Value("")).values_list("key", "word")
    matches: list[set[str]] = [set() for _ in words]
    for key, word in by_key.union(begun, all=True):
        for position, wanted in enumerate(keys):
            if key in wanted:
                matches[position].add(word)
        if word.startswith(last):
            matches[-1].add(word)
    return matches


def _titles_like_the_query(q: str, limit: int, budget: _Budget) -> list[dict]:
    """Titles whose folded title or local title has a trigram similarity of 0.3+ to `q`, or a word
    similarity of 0.6+ (words run together or split, more than one slip in a word).

    The lookup runs on the narrow `movie_titles` table (only matches join `movies`), first with both
    thresholds raised to a tier `t` (0.6, then 0.45): any title left out then scores below `t` and
    every title found (that passes the real thresholds) scores `t` or more, so when a tier finds
    `limit` titles they are exactly the answer, at a fraction of the cost. Otherwise the next tier,
    and finally the real thresholds, run (at once for a text of `SUGGESTION_TIERED_CHARS` or more);
    when the time budget runs out first, the answer is the last tier's rows."""
    base = MovieTitle.objects.filter(title_matches(q))
    tiers = [(tier, tier, True) for tier in SUGGESTION_TIERS] if len(q) < SUGGESTION_TIERED_CHARS else []
    tiers.append((SIMILARITY_THRESHOLD, WORD_SIMILARITY_THRESHOLD, False))
    rows: list[dict] = []
    for similarity, word_similarity, partial in tiers:
        if budget.spent():
            raise _OutOfTime(rows)
        queryset = base.filter(title_passes(q, SIMILARITY_THRESHOLD, WORD_SIMILARITY_THRESHOLD)) if partial else base
        alias = read_alias(MovieTitle)
        try:
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                _trigram_thresholds(cursor, similarity, word_similarity, budget)
                rows = _suggestion_rows(queryset.using(alias), title_similarity(q), limit)
        except OperationalError as error:
            if _timed_out(error):
                raise _OutOfTime(rows) from error
            raise
        if not partial or len(rows) == limit:
            break
    return rows


# --- curated lists ------------------------------------------------------------------------------


# Bayesian average ("top rated", and "featured" while nothing is curated): a title's rating pulled
# towards the catalogue's mean by BAYES_PRIOR_WEIGHT imaginary reviews at that mean,
#     score = (rating_sum + BAYES_PRIOR_WEIGHT * mean) / (review_count + BAYES_PRIOR_WEIGHT),
# so one 10/10 review scores barely above the mean while twenty 9s score close to 9; and only titles
# with at least BAYES_MIN_REVIEWS approved reviews are ranked by it at all. `mean` is the average
# approved rating over the whole catalogue (BAYES_DEFAULT_MEAN before anything is reviewed).
BAYES_PRIOR_WEIGHT = 5
BAYES_MIN_REVIEWS = 3
BAYES_DEFAULT_MEAN = 6.0


def catalogue_mean_rating() -> float:
    """The average approved rating over every title (one query over the stored sums)."""
    totals = Movie.objects.aggregate(ratings=Sum("rating_sum"), reviews=Sum("review_count"))
    return totals["ratings"] / totals["reviews"] if totals["reviews"] else BAYES_DEFAULT_MEAN


def bayesian_score(mean: float):
    """The score above as an expression; NULL for titles under BAYES_MIN_REVIEWS reviews."""
    prior = Value(BAYES_PRIOR_WEIGHT * mean, output_field=FloatField())
    score = (Cast("rating_sum", FloatField()) + prior) / (F("review_count") + BAYES_PRIOR_WEIGHT)
    return Case(When(review_count__gte=BAYES_MIN_REVIEWS, then=score), default=None, output_field=FloatField())


def _by_score(queryset: QuerySet[Movie]) -> QuerySet[Movie]:
    return queryset.annotate(score=bayesian_score(catalogue_mean_rating())).order_by(
        F("score").desc(nulls_last=True), F("review_count").desc(), *DEFAULT_ORDERING
    )


def movie_featured() -> QuerySet[Movie]:
    """Films and series admins marked `is_featured`; when there are none, the best by Bayesian
    average (see BAYES_*), then the most reviewed, then the newest."""
    listed = movie_list_queryset().filter(type__in=LISTED_TYPES)
    featured = listed.filter(is_featured=True)
    if featured.exists():
        return featured.order_by(F("lemon_pie_rating").desc(nulls_last=True), *DEFAULT_ORDERING)
    return _by_score(listed)


def movie_top_rated() -> QuerySet[Movie]:
    """Films and series with at least BAYES_MIN_REVIEWS approved reviews, by Bayesian average."""
    return _by_score(movie_list_queryset().filter(type__in=LISTED_TYPES, review_count__gte=BAYES_MIN_REVIEWS))


def movie_new_releases(*, today=None) -> QuerySet[Movie]:
    """Films and series already released (on a known date or in a past or current year), newest first."""
    today = today or timezone.localdate()
    return (
        movie_list_queryset()
        .filter(type__in=LISTED_TYPES, release_date__lte=today)
        .order_by(F("release_date").desc(), F("created_at").desc(), "id")
    )


def _count(queryset, group_by: str):
    """The row count of `queryset` (already correlated to the outer movie) as an expression."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), Value(0))


def movie_trending(*, now=None) -> QuerySet[Movie]:
    """Films and series by activity (approved reviews written + votes cast on them) in the last
    7 days; then (the whole order when the week is quiet) the most reviewed, the most voted on, and
    the newest release."""
    from reviews.models import Review, ReviewVote

    since = (now or timezone.now()) - TRENDING_WINDOW
    visible = Review.objects.visible().filter(movie=OuterRef("pk"))
    recent_reviews = _count(visible.filter(created_at__gte=since), "movie")
    recent_votes = _count(
        ReviewVote.objects.filter(
            review__movie=OuterRef("pk"), review__moderation_status="approved", created_at__gte=since
        ),
        "review__movie",
    )
    votes_ever = visible.order_by().values("movie").annotate(n=Sum(F("helpful_votes") + F("unhelpful_votes")))
    all_votes = Coalesce(Subquery(votes_ever.values("n")[:1]), Value(0))
    # Only reviewed movies can have any activity; the CASE keeps the subqueries off the rest.
    reviewed = Q(review_count__gt=0)
    return (
        movie_list_queryset()
        .filter(type__in=LISTED_TYPES)
        .annotate(
            recent_activity=Case(
                When(reviewed, then=recent_reviews + recent_votes), default=0, output_field=IntegerField()
            ),
            total_activity=Case(
                When(reviewed, then=F("review_count") + all_votes), default=0, output_field=IntegerField()
            ),
        )
        # A quiet week: the most reviewed, then the most voted on, then the newest.
        .order_by("-recent_activity", "-review_count", "-total_activity", *DEFAULT_ORDERING)
    )


def movie_trending_ids(*, now=None) -> list[str]:
    """The whole trending order as ids (one query); see `movie_trending`."""
    return [str(pk) for pk in movie_trending(now=now).values_list("pk", flat=True)]


def movie_rows_in_order(*, movie_ids: list[str]) -> list[dict]:
    """MovieSummary rows for these ids, in the order given (ids of deleted titles are skipped); one query."""
    by_id = {str(row["id"]): row for row in movie_summary_rows(movie_list_queryset().filter(pk__in=movie_ids))}
    return [by_id[movie_id] for movie_id in movie_ids if movie_id in by_id]


# --- reference lists ----------------------------------------------------------------------------


def _name_counts(model, column: str, types) -> list[dict]:
    """`[{name, count}]`: every name used by titles of `types` (case-insensitively one name, shown
    in its first spelling alphabetically), with how many titles use it; most used first."""
    rows = (
        model.objects.filter(movie__type__in=list(types))
        .values(key=Upper(column))
        .annotate(name=Min(column), count=Count("movie_id", distinct=True))
        .order_by("-count", "name")
        .values("name", "count")
    )
    return list(rows)


def genre_counts(*, types=LISTED_TYPES) -> list[dict]:
    """Genres for a filter menu, with their title counts (one query)."""
    return _name_counts(MovieGenre, "genre", types)


def language_counts(*, types=LISTED_TYPES) -> list[dict]:
    """Languages for a filter menu, with their title counts (one query)."""
    return _name_counts(MovieLanguage, "language", types)


# --- people -------------------------------------------------------------------------------------


def _credit_count():
    counted = MovieCast.objects.filter(person=OuterRef("pk")).order_by().values("person").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1]), Value(0))


def person_list(*, q: str = "") -> QuerySet[Person]:
    """People, the most credited first; with `q`, those any of whose names contains `q` (accents,
    case and spacing ignored: `funke akindele` finds `Fúnkẹ́ Akíndélé`), trigram-indexed."""
    queryset = Person.objects.annotate(credit_count=_credit_count())
    if q:
        queryset = queryset.filter(Exists(PersonName.objects.filter(key_contains("key", q), person=OuterRef("pk"))))
    return queryset.order_by("-credit_count", "name", "id")


def person_get(*, person_id) -> Person | None:
    return Person.objects.annotate(credit_count=_credit_count()).filter(pk=person_id).first()


def person_credits(*, person_id) -> list[dict]:
    """Every credit of a person with its title, newest release first (one query)."""
    return list(
        MovieCast.objects.filter(person_id=person_id)
        .order_by(F("movie__release_date").desc(nulls_last=True), "movie__title", "movie_id", "position")
        .values("role_type", "character_name", *MovieBrief.columns("movie__"))
    )
