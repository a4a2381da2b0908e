"""`manage.py import_movies`: every cleaning rule on a small dirty file, idempotence, bad files,
and the shipped catalogue (7,000+ titles). How long that takes is measured by
`bench/import_catalogue.py`, not here."""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.importer import clean_plot, parse_year, split_names
from catalog.models import Movie, MovieCast, MovieGenre
from catalog.selectors import movie_list_queryset, movie_search
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
DIRTY = DATA / "dirty_movies.csv"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "nigerian_movies.csv"
PLOT = "A young woman returns to Enugu to bury her father and uncovers a family secret."


def run(path, *args) -> str:
    out = StringIO()
    call_command("import_movies", str(path), "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def movie(imdb_id: str) -> Movie:
    return Movie.objects.get(imdb_id=imdb_id)


def cast_of(imdb_id: str) -> list[tuple[str, str]]:
    return list(
        MovieCast.objects.filter(movie__imdb_id=imdb_id).order_by("position").values_list("actor_name", "role_type")
    )


@pytest.fixture
def imported():
    return run(DIRTY)


def test_summary_counts_created_and_each_skip_reason(imported):
    assert "12 created, 0 updated, 0 unchanged, 3 skipped" in imported
    assert "skipped 1: missing title (first on line 10)" in imported
    assert "skipped 1: no IMDb id in link (first on line 11)" in imported
    assert "skipped 1: duplicate IMDb id in file (first on line 12)" in imported
    assert Movie.objects.count() == 12


def test_plots_repeated_two_or_three_times_are_kept_once(imported):
    assert movie("tt1000001").plot_summary == PLOT
    assert movie("tt1000002").plot_summary == PLOT


def test_read_all_teaser_gives_way_to_the_full_plot(imported):
    assert movie("tt1000003").plot_summary == (
        "Sisters Olanna and Kainene return home to 1960s Nigeria, where they soon diverge on different paths."
    )
    # Every version cut short: the longest is kept and marked as cut.
    assert movie("tt1000004").plot_summary == (
        "Three friends grow up on one street in Lagos and drift apart as their choices tak…"
    )


def test_placeholder_plots_become_empty(imported):
    assert movie("tt1000005").plot_summary == ""
    assert movie("tt1000006").plot_summary == ""


def test_float_years_become_january_first_with_year_precision(imported):
    thrice = movie("tt1000001")
    assert thrice.release_date == datetime.date(2021, 1, 1) and thrice.release_date_precision == "year"
    assert movie("tt1000008").release_date == datetime.date(2016, 1, 1)
    undated = movie("tt1000006")
    assert undated.release_date is None
    assert movie("tt1000007").release_date is None  # "twenty" is dropped, the title kept


def test_comma_lists_become_genres_and_cast(imported):
    lists = movie("tt1000008")
    assert sorted(MovieGenre.objects.filter(movie=lists).values_list("genre", flat=True)) == [
        "Comedy",
        "Drama",
        "Romance",
    ]
    assert cast_of("tt1000008") == [
        ("Kemi Adetiba", "director"),
        ("Adesua Etomi", "actor"),
        ("Banky W", "actor"),
        ("Richard Mofe-Damijo", "actor"),
    ]
    assert lists.director == "Kemi Adetiba"
    assert lists.imdb_rating == Decimal("6.5") and lists.imdb_votes == 1234


def test_many_directors_fill_the_field_as_far_as_it_goes_and_all_become_cast(imported):
    anthology = movie("tt1000013")
    assert len(anthology.director) <= 255 and anthology.director.startswith("Director Number 00, Director Number 01")
    assert len(cast_of("tt1000013")) == 20
    assert anthology.imdb_rating is None  # 11.5 is out of range


def test_tv_formats_and_seasons_are_series(imported):
    assert movie("tt1000010").type == "series"
    assert movie("tt1000011").type == "series"
    assert movie("tt1000001").type == "movie"


def test_decomposed_accents_are_stored_composed_and_searchable(imported):
    assert movie("tt1000012").title == "\u00d2fin m\u00f3s\u00e8"
    assert [m.title for m in movie_search(queryset=movie_list_queryset(), q="ofin mose")] == [
        "\u00d2fin m\u00f3s\u00e8"
    ]
    assert [m.title for m in movie_search(queryset=movie_list_queryset(), q="femi branch")] == [
        "\u00d2fin m\u00f3s\u00e8"
    ]


def test_second_run_changes_nothing(imported):
    before = {m.pk: m.updated_at for m in Movie.objects.all()}
    cast_ids = set(MovieCast.objects.values_list("pk", flat=True))
    again = run(DIRTY)
    assert "0 created, 0 updated, 12 unchanged, 3 skipped" in again
    assert {m.pk: m.updated_at for m in Movie.objects.all()} == before
    assert set(MovieCast.objects.values_list("pk", flat=True)) == cast_ids


def test_rerun_updates_changed_titles_but_blanks_never_erase(imported, tmp_path):
    edited = movie("tt1000001")
    Movie.objects.filter(pk=edited.pk).update(title="Renamed By Hand", plot_summary="Hand-written plot.")
    Movie.objects.filter(imdb_id="tt1000007").update(plot_summary="Written by an editor.")
    out = run(DIRTY)
    assert "0 created, 1 updated, 11 unchanged" in out
    assert movie("tt1000001").title == "Thrice Told" and movie("tt1000001").plot_summary == PLOT
    assert movie("tt1000007").plot_summary == "Written by an editor."  # the file's plot is blank


def test_wrong_columns_are_refused_and_nothing_is_written():
    MovieFactory(title="Already Here")
    with pytest.raises(CommandError, match=r"missing column\(s\) title, link, rating, genre, director"):
        run(DATA / "wrong_columns.csv")
    assert list(Movie.objects.values_list("title", flat=True)) == ["Already Here"]


def test_unreadable_or_missing_files_are_clear_errors(tmp_path):
    binary = tmp_path / "movies.csv"
    binary.write_bytes(b"\xff\xfe\x00t\x00i\x00t\x00l\x00e")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(binary)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="no header at all"):
        run(empty)
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "absent.csv")
    assert Movie.objects.count() == 0


def test_if_empty_returns_at_once_when_titles_exist(django_assert_max_num_queries):
    MovieFactory()
    with django_assert_max_num_queries(2):
        out = run(DIRTY, "--if-empty")
    assert "already has 1 titles" in out and Movie.objects.count() == 1


def test_dry_run_writes_nothing():
    out = run(DIRTY, "--dry-run")
    assert "Would import" in out and "12 created" in out
    assert Movie.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abcdefghij klmnopqrst. " * 3, "abcdefghij klmnopqrst."),
        ("Ha ha ha", "Ha ha ha"),  # too short to be the export's repetition
        ("  Add a plot in your language ", ""),
        ("Teaser... Read allFull story here, long enough to count.", "Full story here, long enough to count."),
    ],
)
def test_clean_plot(raw, expected):
    assert clean_plot(raw)[0] == expected


@pytest.mark.parametrize(("raw", "expected"), [("2021.0", 2021), ("1999", 1999), ("", None), (" ", None)])
def test_parse_year(raw, expected):
    assert parse_year(raw) == expected


@pytest.mark.parametrize("raw", ["2021.5", "abc", "NaN", "Infinity", "1200", "99999"])
def test_parse_year_refuses_nonsense(raw):
    with pytest.raises(ValueError):
        parse_year(raw)


def test_split_names():
    assert split_names(" A ,b,, a , B ,C") == ["A", "b", "C"]


@pytest.mark.slow
def test_shipped_catalogue_imports_7100_titles_and_is_idempotent():
    run(SHIPPED)
    assert Movie.objects.count() >= 7100
    assert Movie.objects.filter(search_vector__isnull=True).count() == 0
    assert "0 created" in run(SHIPPED)

    # On the real catalogue the planner picks the GIN index by itself (no enable_seqscan switch).
    plan = movie_search(queryset=movie_list_queryset(), q="ofin mose").explain()
    assert "movies_search_gin" in plan, plan
    assert [m.title for m in movie_search(queryset=movie_list_queryset(), q="ofin mose")] == ["Òfin mósè"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM movies WHERE lnp_fold(title) % lnp_fold('Lionhart')")
        assert cursor.fetchone()[0] >= 1
