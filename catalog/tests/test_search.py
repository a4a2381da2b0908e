"""GET /movies/search and /series/search: ranking, accents, snippets, filters, GIN, query counts."""

import datetime

import orjson
import pytest
from django.core.paginator import EmptyPage, Paginator
from django.db import connection

from catalog.api.views import MovieViewSet, SeriesViewSet, _compiled_search
from catalog.models import Movie, MovieCast
from catalog.selectors import movie_list_queryset, movie_search
from catalog.shapes import MovieSearchResult
from catalog.tests.factories import MovieFactory, SeriesFactory
from lemonnpie.api.renderers import render_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/movies/search"


def search(client, query: str, url: str = URL) -> list[str]:
    response = client.get(url, {"q": query} if isinstance(query, str) else query)
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Òfin Mósè", "ofin mose"),  # Yoruba tone marks
        ("I\u0300jo\u0323\u0300ba", "ijoba"),  # Yoruba under-dot + tone, decomposed
        ("\u00ccj\u1ecd\u0300ba", "IJOBA"),  # the same title, precomposed
        ("Ụlọ Akwụkwọ", "ulo akwukwo"),  # Igbo under-dots
        ("Ɗan Ƙasa", "dan kasa"),  # Hausa hooked letters
        ("Ƴar Ɓarawo", "yar barawo"),
        ("Aníkúlápó", "Anikulapo"),
        ("Anikulapo", "Aníkúlápó"),  # accents in the query are ignored too
    ],
)
def test_search_ignores_accents_tone_marks_and_hooks(api_client, title, query):
    MovieFactory(title=title)
    MovieFactory(title="Something Else Entirely")
    assert search(api_client, query) == [title]


def test_title_beats_people_beats_plot(api_client):
    MovieFactory(title="Plot Only", plot_summary="A chef moves to Kano to open a restaurant.", director="X")
    MovieFactory(title="Person Only", director="Kano Adeyemi", plot_summary="Nothing here.")
    MovieFactory(title="Kano Nights", plot_summary="Nothing here.", director="Y")
    MovieFactory(title="Elsewhere", plot_summary="Lagos.", director="Z")
    assert search(api_client, "kano") == ["Kano Nights", "Person Only", "Plot Only"]


def test_cast_names_and_local_titles_are_searchable(api_client):
    movie = MovieFactory(title="The Figurine", local_title="Àràmọ̀tọ̀")
    MovieCast.objects.create(movie=movie, actor_name="Ramsey Nouah", position=0)
    assert search(api_client, "nouah") == ["The Figurine"]
    assert search(api_client, "aramoto") == ["The Figurine"]


def test_rows_carry_rank_and_an_escaped_highlighted_snippet(api_client):
    MovieFactory(
        title="Kidnap",
        plot_summary="A <b>notorious</b> kidnapper & his gang terrorise Port Harcourt until one job goes wrong.",
    )
    row = api_client.get(URL, {"q": "kidnapper"}).json()["results"][0]
    assert row["rank"] > 0
    assert "<mark>kidnapper</mark>" in row["snippet"]
    assert "&amp;" in row["snippet"] and "<b>" not in row["snippet"]  # plot text can never inject markup
    assert {"genres", "languages", "lemon_pie_rating", "review_count"} <= set(row)


def test_snippet_highlights_the_accented_original(api_client):
    MovieFactory(title="Saworoide", plot_summary="The drum of Jogbo: only the true Ọba may beat it.")
    row = api_client.get(URL, {"q": "oba drum"}).json()["results"][0]
    assert "<mark>Ọba</mark>" in row["snippet"] and "<mark>drum</mark>" in row["snippet"]


def test_web_search_syntax_and_odd_input_never_fail(api_client):
    MovieFactory(title="Living in Bondage", production_state="Anambra", production_company="NEK Video Links")
    MovieFactory(title="Living in Lagos", production_state="Lagos")
    assert search(api_client, '"in bondage"') == ["Living in Bondage"]
    assert search(api_client, "living -lagos") == ["Living in Bondage"]
    for odd in ["&&&", "!(", "a:*", "'", "\\", "the"]:
        assert api_client.get(URL, {"q": odd}).status_code == 200


def test_list_filters_apply_to_search(api_client, rate):
    a = MovieFactory(title="Lagos Love", genres=["Romance"], release_date=datetime.date(2020, 1, 1))
    MovieFactory(title="Lagos Crime", genres=["Crime"], release_date=datetime.date(2012, 1, 1))
    SeriesFactory(title="Lagos Nights", genres=["Romance"], release_date=datetime.date(2021, 1, 1))
    rate(a, [9])
    assert search(api_client, {"q": "lagos", "genre": "romance", "type": "movie"}) == ["Lagos Love"]
    assert search(api_client, {"q": "lagos", "year_max": 2015}) == ["Lagos Crime"]
    assert search(api_client, {"q": "lagos", "rating_min": 8}) == ["Lagos Love"]
    assert search(api_client, {"q": "lagos", "type": "series"}) == ["Lagos Nights"]


def test_series_search_holds_series_only(api_client):
    MovieFactory(title="Shanty Town Movie")
    SeriesFactory(title="Shanty Town")
    assert search(api_client, "shanty", url="/api/v1/series/search") == ["Shanty Town"]
    assert search(api_client, {"q": "shanty", "type": "movie"}, url="/api/v1/series/search") == ["Shanty Town"]


@pytest.mark.parametrize(
    "params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a\x00b"}, {"q": "ok", "year": "soon"}]
)
def test_empty_long_or_bad_queries_are_400(api_client, params):
    response = api_client.get(URL, params)
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_a_200_character_query_is_fine(api_client):
    assert api_client.get(URL, {"q": "x" * 200}).status_code == 200


@pytest.mark.parametrize("filtered", [{"genre": "comedy"}, {}], ids=["filterset", "q-alone-compiled"])
@pytest.mark.parametrize("rows", [2, 40])
def test_search_runs_one_query_whatever_the_page_size(api_client, django_assert_num_queries, rows, filtered):
    for index in range(rows):
        MovieFactory(title=f"Jollof Wars {index}", genres=["Comedy", "Drama"], languages=["English", "Pidgin"])
    params = {"q": "jollof", "page_size": 50, **filtered}
    # the count and the ranked page (with genres, languages and the snippets), in one statement
    with django_assert_num_queries(1):
        body = api_client.get(URL, params).json()
    assert body["count"] == rows and len(body["results"]) == rows
    with django_assert_num_queries(0):  # the same search again comes from the cache
        assert api_client.get(URL, params).json() == body
    with django_assert_num_queries(2):  # the last page: a count to know which it is, then the page
        last = api_client.get(URL, {**params, "page": "last"}).json()
    assert last["results"] == body["results"]


def orm_search_page(q: str, *, viewset, page: int, page_size: int) -> tuple[int, list[dict]]:
    """The page the ORM's own `movie_search` of the viewset's titles gives, paged by Django, as JSON."""
    titles = viewset.search_filter({"q": q}, queryset=movie_list_queryset(movie_type=viewset.movie_type)).qs
    rows = MovieSearchResult.rows(movie_search(queryset=titles, q=q))
    found = Paginator(rows, page_size).page(page)
    build = MovieSearchResult.builder()
    return found.paginator.count, orjson.loads(render_json([build(row) for row in found]))


@pytest.mark.parametrize(("url", "viewset"), [(URL, MovieViewSet), ("/api/v1/series/search", SeriesViewSet)])
def test_a_search_page_is_the_page_the_orm_gives(api_client, url, viewset):
    """The one statement (count and page, `compile_counted_page`), by the compiled search of `q`
    alone and by the filterset's (an empty filter), answers with the rows, ranks, snippets and
    counts of the ORM's `movie_search` paged by Django; a page past the end is a 404 in both."""
    for index in range(7):
        MovieFactory(title=f"Owambe Party {index}", plot_summary=f"An owambe in Lagos, part {index}.")
        SeriesFactory(title=f"Owambe Nights {index}", plot_summary="Every owambe ends at dawn.")
    MovieFactory(title="Owambe", type="short")  # not listed unless asked for
    MovieFactory(title="Owambe Ties", plot_summary="An owambe.", lemon_pie_rating=None)  # same rank, unrated
    for q in ["owambe", "  Owambe  Lagos ", '"owambe party"', "owambe -nights", "part or dawn", "nothing-matches"]:
        for paging in ({}, {"page_size": 3}, {"page": 2, "page_size": 3}, {"page": 3, "page_size": 5}):
            page, size = paging.get("page", 1), paging.get("page_size", 20)
            for extra in ({}, {"genre": ""}):
                response = api_client.get(url, {"q": q, **paging, **extra})
                try:
                    expected = orm_search_page(q.strip(), viewset=viewset, page=page, page_size=size)
                except EmptyPage:
                    assert response.status_code == 404 and response.json()["error"] == "not_found", (q, paging)
                    continue
                body = response.json()
                assert (body["count"], body["results"]) == expected, (q, paging, extra)


@pytest.mark.parametrize("page", ["0", "-1", "2.0", "x", "2", str(10**30), str(2**61)])
def test_pages_that_are_not_pages_answer_as_django_pages_them(api_client, page):
    MovieFactory(title="Jollof Wars")
    response = api_client.get(URL, {"q": "jollof", "page": page})
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_snippets_are_computed_for_the_page_rows_only(api_client):
    for index in range(30):
        MovieFactory(title=f"Ghetto Bred {index}", plot_summary="A ghetto boy rises.")
    response = api_client.get(URL, {"q": "ghetto", "page_size": 5})
    assert response.json()["count"] == 30 and len(response.json()["results"]) == 5
    assert all("<mark>ghetto</mark>" in row["snippet"] for row in response.json()["results"])
    # PostgreSQL makes the headline above the sort: for the rows the limit lets through only.
    page = MovieSearchResult.rows(movie_search(queryset=movie_list_queryset(), q="ghetto"))[:5]
    nodes = []
    for line in page.explain(verbose=True).splitlines():
        line = line.strip()
        if line.startswith(("Limit", "->")):
            nodes.append([line.removeprefix("->").split()[0], False])
        elif line.startswith("Output:"):
            nodes[-1][1] = "ts_headline" in line
    below = [headline for _node, headline in nodes[[name for name, _ in nodes].index("Sort") :]]
    assert nodes[0] == ["Limit", True] and not any(below), nodes


def plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


def test_the_one_statement_search_finds_the_matches_once_and_heads_the_page_rows_only():
    """`compile_counted_page` as the API runs it (EXPLAIN ANALYZE): the titles are matched by
    one scan, and the headline made for the page's rows only."""
    for index in range(30):
        MovieFactory(title=f"Ghetto Bred {index}", plot_summary="A ghetto boy rises.")
    together = _compiled_search(MovieViewSet).together.query
    with connection.cursor() as cursor:
        explain = f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {together.sql}"
        cursor.execute(explain, together.bind({"q": "ghetto", "limit": 5, "offset": 0}))
        nodes = list(plan_nodes(cursor.fetchone()[0][0]["Plan"]))
    matching = [
        node["Actual Rows"]
        for node in nodes
        if node.get("Relation Name") == "movies" and "@@" in node.get("Filter", "") + node.get("Recheck Cond", "")
    ]
    assert matching == [30], matching
    headed = [node["Actual Rows"] for node in nodes if any("ts_headline" in out for out in node.get("Output", ()))]
    assert headed and max(headed) <= 5, headed


def test_search_uses_the_gin_index():
    """On a handful of rows a sequential scan is cheaper, so the test (only) disables it to see
    which index the planner reaches for; the full-catalogue test in test_import.py checks the
    plan on 7,000+ rows without this switch."""
    MovieFactory.create_batch(5)
    queryset = movie_search(queryset=movie_list_queryset(), q="ofin mose")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()
    assert "movies_search_gin" in plan


def test_vector_stays_current_through_the_api(admin_client_api, api_client):
    movie = MovieFactory(title="Working Title", genres=["Drama"])
    admin_client_api.patch(
        f"/api/v1/movies/{movie.pk}",
        {"title": "Ọmọ Ghetto", "cast": [{"actor_name": "Funke Akindele"}], "genres": ["Comedy"]},
        format="json",
    )
    assert search(api_client, "omo ghetto akindele") == ["Ọmọ Ghetto"]
    assert search(api_client, "working") == []
    assert Movie.objects.get(pk=movie.pk).search_vector is not None
