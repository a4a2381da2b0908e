"""GET /movies/suggestions: titles with every typed word (one slip per word, the last word as a
prefix) through the GIN index on title words, else trigram-similar titles (lnp_fold(title))."""

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.models import Movie, MovieTitle, MovieTitleWord, MovieTitleWordKey
from catalog.selectors import movie_suggestions, spelling_keys
from catalog.tests.factories import MovieFactory, SeriesFactory
from reviews.services import review_delete
from reviews.tests.helpers import counted_review

pytestmark = pytest.mark.django_db

URL = "/api/v1/movies/suggestions"


def suggest(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def titles():
    for title in ["Lionheart", "The Wedding Party", "Òfin Mósè", "King of Boys", "Ìjọ̀ba Òkè", "Ɗan Ƙasa"]:
        MovieFactory(title=title)
    SeriesFactory(title="Shanty Town", local_title="Ìlú Àtijọ́")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Lionhart", "Lionheart"),  # a typo
        ("lion heart", "Lionheart"),
        ("weding party", "The Wedding Party"),
        ("ofin mose", "Òfin Mósè"),  # no accents typed
        ("Òfin", "Òfin Mósè"),
        ("kng of boy", "King of Boys"),
        ("dan kasa", "Ɗan Ƙasa"),
        ("ilu atijo", "Shanty Town"),  # the local title matches; the title is what comes back
        ("Wedding", "The Wedding Party"),  # a word of a longer title
    ],
)
def test_suggestions_tolerate_typos_and_missing_accents(api_client, titles, q, expected):
    assert suggest(api_client, q)[0] == expected


def test_suggestion_rows_are_a_brief_movie_with_its_release_date(api_client, titles):
    movie = Movie.objects.get(title="Lionheart")
    Movie.objects.filter(pk=movie.pk).update(poster_url="https://img.example.com/lionheart.jpg")
    row = api_client.get(URL, {"q": "Lionheart"}).json()["results"][0]
    poster = "https://img.example.com/lionheart.jpg"
    assert row == {
        "id": str(movie.pk),
        "title": "Lionheart",
        "type": "movie",
        "release_year": movie.release_date.year,
        "poster": {"url": poster, "thumbnail": poster, "medium": poster, "large": poster},
        "release_date": movie.release_date.isoformat(),
    }


def test_at_most_ten_suggestions_closest_first(api_client):
    for index in range(15):
        MovieFactory(title=f"Jenifa {index}")
    MovieFactory(title="Jenifa")
    results = suggest(api_client, "jenifa")
    assert len(results) == 10 and results[0] == "Jenifa"


def test_nothing_alike_gives_an_empty_list(api_client, titles):
    assert suggest(api_client, "zzzzqqq") == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "  "}, {"q": "y" * 201}, {"q": "\x00"}])
def test_bad_queries_are_400(api_client, params):
    response = api_client.get(URL, params)
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_suggestions_are_cached_until_the_catalogue_changes(
    api_client, admin_client_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    movie = MovieFactory(title="Lionheart")
    assert suggest(api_client, "Lionhart") == ["Lionheart"]
    with django_assert_num_queries(0):
        assert suggest(api_client, "Lionhart") == ["Lionheart"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_api.patch(f"/api/v1/movies/{movie.pk}", {"title": "Lionheart 2"}, format="json")
    assert suggest(api_client, "Lionhart") == ["Lionheart 2"]


def test_suggestions_use_the_trigram_index_on_the_folded_title():
    """Tiny table, so the test (only) turns sequential scans off to see the index is usable."""
    from catalog.expressions import title_matches

    MovieFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = MovieTitle.objects.filter(title_matches("Lionhart")).explain()
    assert "movie_titles_title_trgm" in plan and "movie_titles_local_trgm" in plan


def test_folded_titles_follow_every_write_to_movies():
    """movie_titles is kept by triggers: created, renamed (services, ORM, raw SQL) and deleted movies."""
    movie = MovieFactory(title="Òfin Mósè", local_title="Ìjọ̀ba")
    assert MovieTitle.objects.filter(movie=movie).values_list("title", "local_title").get() == ("Ofin Mose", "Ijoba")
    Movie.objects.filter(pk=movie.pk).update(title="Ọba Adé")
    movie.refresh_from_db()
    movie.local_title = ""
    movie.save()
    assert MovieTitle.objects.filter(movie=movie).values_list("title", "local_title").get() == ("Oba Ade", "")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE movies SET review_count = review_count + 1 WHERE id = %s", [movie.pk])  # no title change
        cursor.execute("DELETE FROM movies WHERE id = %s", [Movie.objects.create(title="Gone").pk])
    assert MovieTitle.objects.count() == Movie.objects.count() == 1
    movie.delete()
    assert not MovieTitle.objects.exists()


@pytest.mark.parametrize(
    ("q", "slip"),
    [
        ("Secrt Sister", "a letter dropped"),
        ("Secreet Sister", "a letter doubled"),
        ("Secxet Sister", "a letter changed"),
        ("Sercet Sister", "two letters swapped"),
        ("Secret Sitser", "a slip in another word"),
        ("Teh Secret", "a slip in a three-letter word"),
        ("Te Secret", "a two-letter word missing a letter"),
        ("The Secret Sis", "the last word still being typed"),
    ],
)
def test_each_typed_word_may_carry_one_slip(api_client, q, slip):
    MovieFactory(title="The Secret Sister")
    MovieFactory(title="Sister Act")
    assert suggest(api_client, q)[0] in {"The Secret Sister"}, slip


def test_titles_with_every_typed_word_come_before_titles_like_the_query(api_client):
    """ "Secret Sister" is trigram-like "Sweet Sister" too, but only titles with both words answer."""
    MovieFactory(title="The Secret Sister")
    MovieFactory(title="Secret Sisters of Lagos")
    MovieFactory(title="Sweet Sister")
    assert suggest(api_client, "secret sister") == ["The Secret Sister", "Secret Sisters of Lagos"]


def test_closest_title_first_then_the_most_reviewed():
    plain = MovieFactory(title="Ajoke")
    longer, busier = MovieFactory(title="Ajoke My Love"), MovieFactory(title="Ajoke My Wife")
    Movie.objects.filter(pk=busier.pk).update(review_count=40)
    assert [row["id"] for row in movie_suggestions(q="ajoke")] == [str(plain.pk), str(busier.pk), str(longer.pk)]


def test_short_words_are_dropped_when_no_title_has_them_all(api_client):
    """A slip in "of" gives "af", which could stand for anything: the longer words still answer."""
    MovieFactory(title="Destiny of Lagos")
    MovieFactory(title="King of Boys")
    assert suggest(api_client, "Destiny af") == ["Destiny of Lagos"]


def test_without_a_title_with_every_word_the_whole_query_is_matched_by_trigrams(api_client):
    MovieFactory(title="Lionheart")
    assert suggest(api_client, "lion heart") == ["Lionheart"]  # no title has "lion" nor "heart"


def test_queries_of_short_words_only_find_the_titles_with_those_words(api_client):
    """No word of three letters ("of", "t"): the titles with the words, by the word index (the
    trigrams of so short a query are in half the catalogue: that lookup ran out of time)."""
    MovieFactory(title="Oz")
    MovieFactory(title="Of Men and Gods")
    MovieFactory(title="Destiny of Lagos")
    assert suggest(api_client, "oz") == ["Oz"]
    assert suggest(api_client, "of") == ["Of Men and Gods", "Destiny of Lagos"]
    assert suggest(api_client, "of d") == ["Destiny of Lagos"]  # the last word begun


def test_a_repeated_word_is_looked_up_once(api_client, django_assert_num_queries):
    MovieFactory(title="The Secret Sister")
    with django_assert_num_queries(6):
        assert suggest(api_client, "the the secret the sis") == ["The Secret Sister"]


def test_spelling_keys_are_the_word_and_the_word_less_one_letter():
    assert spelling_keys("sister") == {"sister", "ister", "sster", "siter", "siser", "sistr", "siste"}
    assert spelling_keys("of") == {"of", "fo"}  # short words: as typed or swapped only
    assert spelling_keys("a") == {"a"}


def test_the_vocabulary_and_its_keys_follow_the_titles():
    movie = MovieFactory(title="Òfin Mósè", local_title="Ìjọ̀ba")
    assert MovieTitle.objects.get(movie=movie).words == ["ofin", "mose", "ijoba"]
    assert {"ofin", "mose", "ijoba"} <= set(MovieTitleWord.objects.values_list("word", flat=True))
    assert set(MovieTitleWordKey.objects.filter(word="ofin").values_list("key", flat=True)) == {
        "ofin",
        "fin",
        "oin",
        "ofn",
        "ofi",
    }
    Movie.objects.filter(pk=movie.pk).update(title="Ọba Adé")  # a rename, past the ORM
    assert MovieTitle.objects.get(movie=movie).words == ["oba", "ade", "ijoba"]
    assert MovieTitleWord.objects.filter(word__in=["oba", "ade"]).count() == 2
    assert MovieTitleWordKey.objects.filter(key="ad", word="ade").exists()


def test_the_copied_review_count_follows_every_review():
    movie = MovieFactory(title="Jenifa")
    review = counted_review(user=UserFactory(), movie=movie)
    assert MovieTitle.objects.get(movie=movie).review_count == 1
    review_delete(review=review, actor=review.user)
    assert MovieTitle.objects.get(movie=movie).review_count == 0
    with connection.cursor() as cursor:
        cursor.execute("UPDATE movies SET review_count = 7 WHERE id = %s", [movie.pk])
    assert MovieTitle.objects.get(movie=movie).review_count == 7


def test_suggestions_use_the_index_on_title_words(django_assert_max_num_queries):
    """Tiny table, so the test (only) turns sequential scans off to see the index is usable."""
    MovieFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = MovieTitle.objects.filter(words__overlap=["secret"]).explain()
    assert "movie_titles_words" in plan


def test_suggestions_run_a_bounded_number_of_queries(
    api_client, django_assert_num_queries, django_assert_max_num_queries
):
    """Words, vocabulary, the titles (in a transaction of their own): 6 queries when a title has
    every word; at most 22 when the short words are dropped and then the three trigram tiers run."""
    for title in ["The Secret Sister", "Secret of Lagos", "Sister Act", "The Wedding Party"]:
        MovieFactory(title=title)
    for q in ["secret", "sercet sitser", "secret of"]:
        with django_assert_num_queries(6):
            suggest(api_client, q)
    with django_assert_max_num_queries(22):
        suggest(api_client, "zz secret party of lagos")


def test_recompute_stats_repairs_a_drifted_copy_of_the_review_count(capsys):
    from django.core.management import call_command

    movie = MovieFactory(title="Jenifa")
    Movie.objects.filter(pk=movie.pk).update(review_count=3)
    MovieTitle.objects.filter(movie=movie).update(review_count=9)  # as a restore without triggers might
    call_command("recompute_stats", "--only", "suggestion", "--no-progress")
    assert "suggestion title counts: checked 1, 1 drifted (review_count: 1); fixed 1" in capsys.readouterr().out
    assert MovieTitle.objects.get(movie=movie).review_count == 3
