"""GET /movies/suggestions: the work of one request is bounded whatever `q` is (issue 15, item 5):
words considered, the characters the trigram match compares, the titles ranked, a time budget."""

import random
import threading

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.models import Movie
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/movies/suggestions"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def forty_words(seed: int = 7) -> str:
    rng = random.Random(seed)
    return " ".join("".join(rng.choices(LETTERS, k=4)) for _ in range(40))


def long_word(seed: int = 7) -> str:
    return "".join(random.Random(seed).choices(LETTERS, k=199))


def suggest(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_the_pathological_shapes_are_valid_queries():
    assert len(forty_words()) == 199 and len(forty_words().split()) == 40
    assert len(long_word()) == 199


def test_only_the_first_twelve_words_are_considered():
    q = forty_words()
    words = selectors.suggestion_words(q)
    assert len(words) == selectors.SUGGESTION_MAX_WORDS == 12
    assert words == list(dict.fromkeys(q.split()[:12]))


def test_forty_random_words_look_up_twelve_and_run_a_bounded_number_of_queries(
    api_client, django_assert_max_num_queries
):
    """Words 13 to 40 start with "qx" (no other word has it): no statement after the one that
    splits `q` into words sees them."""
    MovieFactory(title="The Secret Sister")
    rng = random.Random(3)
    head = ["".join(rng.choices("abcdefghijklm", k=4)) for _ in range(12)]
    tail = ["qx" + "".join(rng.choices(LETTERS, k=2)) for _ in range(28)]
    q = " ".join(head + tail)
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(22):
        assert suggest(api_client, q) == []
    statements = [query["sql"] for query in captured.captured_queries]
    assert "qx" in statements[0] and not any("qx" in sql for sql in statements[1:])


def test_a_title_typed_in_full_with_a_slip_is_still_found(api_client):
    title = "The Wedding Party of the King of Boys and the Secret Sister in Lagos"  # 14 words, 68 characters
    MovieFactory(title=title)
    MovieFactory(title="The Wedding Party")
    assert suggest(api_client, title.replace("Wedding", "Weding"))[0] == title


def test_the_trigram_match_compares_at_most_64_characters(api_client):
    """One 199-letter word: no title word is one slip from it, so the whole query is matched by
    trigrams, and only its first 64 letters are compared."""
    MovieFactory(title="Lionheart")
    q = long_word()
    with CaptureQueriesContext(connection) as captured:
        assert suggest(api_client, q) == []
    trigram_sql = [query["sql"] for query in captured.captured_queries if "SIMILARITY(" in query["sql"].upper()]
    assert trigram_sql
    assert all(q[:64] in sql and q[:65] not in sql for sql in trigram_sql)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lion heart", "lion heart"),
        ("a " * 40, "a " * 11 + "a"),  # the first twelve words
        ("abcdefghi " * 12, "abcdefghi " * 5 + "abcdefghi"),  # 64 characters at most: cut at a word's end
        ("x" * 100, "x" * 64),  # no word end: cut at 64
        ("  king   of boys ", "king of boys"),
    ],
)
def test_trigram_text(q, expected):
    assert selectors.trigram_text(q) == expected.strip()


def test_more_titles_with_every_word_than_candidates_ranks_the_most_reviewed(api_client, monkeypatch):
    movies = [MovieFactory(title=f"Love {name}") for name in ("Alpha", "Beta", "Gamma", "Delta", "Omega")]
    for count, movie in enumerate(movies):
        Movie.objects.filter(pk=movie.pk).update(review_count=count * 10)
    assert len(suggest(api_client, "love")) == 5
    monkeypatch.setattr(selectors, "SUGGESTION_CANDIDATES", 3)
    assert sorted(row["title"] for row in selectors.movie_suggestions(q="love")) == [
        "Love Delta",
        "Love Gamma",
        "Love Omega",
    ]


def test_out_of_time_answers_what_was_found_so_far(monkeypatch, settings):
    """Another session holds `movie_titles` locked, so every statement that reads it waits until the
    budget's `statement_timeout` cancels it: the answer is the rows found so far (none here),
    marked incomplete, never an error."""
    monkeypatch.setattr(selectors, "SUGGESTION_BUDGET_MS", 200)
    locked, done = threading.Event(), threading.Event()
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={connection.settings_dict['NAME']}"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"

    def hold_lock():
        with psycopg.connect(dsn) as other:
            other.execute("SET lock_timeout = '20s'")
            other.execute("LOCK TABLE movie_titles IN ACCESS EXCLUSIVE MODE")
            locked.set()
            done.wait(60)
            other.rollback()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(30)
        rows = selectors.movie_suggestions(q="lion heart")
    finally:
        done.set()
        holder.join()
    assert rows == [] and rows.complete is False


def test_a_complete_answer_says_so():
    MovieFactory(title="Lionheart")
    rows = selectors.movie_suggestions(q="lionhart")
    assert [row["title"] for row in rows] == ["Lionheart"] and rows.complete is True


def test_a_word_longer_than_any_title_word_has_no_keys_to_look_up():
    MovieFactory(title="Lionheart")
    q = long_word()
    with CaptureQueriesContext(connection) as captured:
        assert selectors.movie_suggestions(q=q) == []
    statements = [query["sql"] for query in captured.captured_queries]
    assert any("movie_title_words" in sql for sql in statements)  # still looked up as a prefix
    key = q[:100] + q[101:]  # the word less one letter would be one of its 199 keys
    assert key not in q and not any(key in sql for sql in statements)


def test_a_long_text_is_compared_at_the_real_thresholds_at_once(django_assert_num_queries):
    """Lookup of the words, of the vocabulary, then one transaction (begin, thresholds, titles,
    commit) instead of three tiers."""
    MovieFactory(title="Lionheart")
    with django_assert_num_queries(6):
        assert selectors.movie_suggestions(q=long_word()) == []
