"""People: made from cast names by the trigger (one per folded name), `/people`, `/people/{id}`,
the merge, and the reference lists `/genres` and `/languages` (issue 18)."""

import datetime

import pytest

from catalog import services
from catalog.models import CastRole, MovieCast, Person, PersonName
from catalog.tests.factories import MovieFactory, SeriesFactory
from lemonnpie.testing import run_in_threads

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"


def credit(movie, name, role=CastRole.ACTOR, character="", position=0):
    return MovieCast.objects.create(
        movie=movie, actor_name=name, role_type=role, character_name=character, position=position
    )


def test_spellings_of_one_name_are_one_person_and_every_write_path_sets_it():
    movie = MovieFactory()
    first = credit(movie, "Fúnkẹ́ Akíndélé", character="Jenifa")
    second = credit(MovieFactory(), "FUNKE   akindele")
    other = credit(movie, "Funke Akindele-Bello", position=1)  # a different folded name: a merge's job
    assert first.person_id is None  # set by the database
    first.refresh_from_db(), second.refresh_from_db(), other.refresh_from_db()
    assert first.person_id == second.person_id != other.person_id
    assert Person.objects.get(pk=first.person_id).name == "Fúnkẹ́ Akíndélé"  # the first spelling seen
    assert set(PersonName.objects.values_list("key", flat=True)) == {"funke akindele", "funke akindele-bello"}
    # Renaming a credit moves it to the person of its new name.
    MovieCast.objects.filter(pk=other.pk).update(actor_name="Funke Akindele")
    other.refresh_from_db()
    assert other.person_id == first.person_id
    # The API's writes go through the same trigger.
    created = services.movie_create(data={"title": "Jenifa's Diary", "cast": [{"actor_name": "funke akindele"}]})
    assert created.cast_rows.get().person_id == first.person_id


@pytest.mark.django_db(transaction=True)
def test_one_new_name_written_at_once_by_many_transactions_is_one_person():
    movies = [MovieFactory() for _ in range(6)]

    def add(index):
        credit(movies[index], "Ramsey Nouah" if index % 2 else "Ramsey  NOUAH")

    assert run_in_threads(add, 6) == []
    assert Person.objects.count() == 1 and PersonName.objects.count() == 1
    assert MovieCast.objects.filter(person=Person.objects.get()).count() == 6


def test_person_search_ignores_accents_case_and_spacing_and_ranks_by_credits(api_client):
    busy, quiet = MovieFactory(), MovieFactory()
    credit(busy, "Ọdúnladé Adékọ́lá")
    credit(quiet, "Odunlade Adekola", position=1)
    credit(quiet, "Adekola Tijani", position=2)
    credit(busy, "Someone Else", position=3)
    body = api_client.get(PEOPLE, {"q": "ODUNLADE  adekola"}).json()
    assert [(row["name"], row["credit_count"]) for row in body["results"]] == [("Ọdúnladé Adékọ́lá", 2)]
    names = [row["name"] for row in api_client.get(PEOPLE, {"q": "adekọla"}).json()["results"]]
    assert names == ["Ọdúnladé Adékọ́lá", "Adekola Tijani"]  # most credited first
    assert api_client.get(PEOPLE, {"q": "nobody"}).json()["count"] == 0
    assert api_client.get(PEOPLE, {"q": "x" * 201}).status_code == 400


def test_person_detail_has_the_filmography_by_role_newest_first(api_client):
    old = MovieFactory(title="Old One", release_date=datetime.date(2001, 1, 1))
    new = SeriesFactory(title="New One", release_date=datetime.date(2022, 1, 1))
    short = MovieFactory(title="Short One", type="short", release_date=None)
    credit(old, "Kunle Afolayan", character="Ade")
    credit(new, "Kunle Afolayan", character="Tunde")
    credit(new, "Kunle Afolayan", role=CastRole.DIRECTOR)
    credit(short, "Kúnlé Afọláyan", role=CastRole.PRODUCER)
    person = Person.objects.get()
    body = api_client.get(f"{PEOPLE}/{person.pk}").json()
    assert body["id"] == str(person.pk) and body["name"] == "Kunle Afolayan" and body["credit_count"] == 4
    actor = body["filmography"]["actor"]
    assert [(c["movie"]["title"], c["character_name"]) for c in actor] == [("New One", "Tunde"), ("Old One", "Ade")]
    assert actor[0]["movie"] == {
        "id": str(new.pk),
        "title": "New One",
        "type": "series",
        "release_year": 2022,
        "poster": None,
    }
    assert [c["movie"]["title"] for c in body["filmography"]["director"]] == ["New One"]
    assert [c["movie"]["title"] for c in body["filmography"]["producer"]] == ["Short One"]
    assert body["filmography"]["writer"] == []


def test_unknown_people_are_404(api_client):
    assert api_client.get(f"{PEOPLE}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api_client.get(f"{PEOPLE}/nope").status_code == 404


def test_people_queries_are_fixed_whatever_the_page_size(api_client, django_assert_num_queries):
    def fill(n, start):
        for index in range(start, start + n):
            credit(MovieFactory(), f"Actor Number {index}")

    fill(2, 0)
    with django_assert_num_queries(2):  # count + page with credit counts
        assert len(api_client.get(PEOPLE, {"q": "actor number", "page_size": 50}).json()["results"]) == 2
    fill(38, 2)
    with django_assert_num_queries(2):
        assert len(api_client.get(PEOPLE, {"q": "actor number", "page_size": 50}).json()["results"]) == 40
    person = Person.objects.first()
    with django_assert_num_queries(2):  # the person, then every credit with its title
        api_client.get(f"{PEOPLE}/{person.pk}")


def test_merge_moves_credits_and_names_so_imports_find_the_kept_person(django_capture_on_commit_callbacks):
    movie = MovieFactory()
    keep = credit(movie, "Funke Akindele")
    gone = credit(MovieFactory(), "Funke Akindele-Bello")
    keep.refresh_from_db(), gone.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        merged = services.person_merge(into_id=keep.person_id, person_ids=[gone.person_id])
    assert merged == 1
    assert set(Person.objects.values_list("pk", flat=True)) == {keep.person_id}
    gone.refresh_from_db()
    assert gone.person_id == keep.person_id and gone.actor_name == "Funke Akindele-Bello"
    assert set(PersonName.objects.values_list("person_id", flat=True)) == {keep.person_id}
    assert services.people_for_names(names=["Funke Akindele-Bello"]) == {"Funke Akindele-Bello": keep.person_id}
    later = credit(MovieFactory(), "funke akindele-bello")
    later.refresh_from_db()
    assert later.person_id == keep.person_id


# --- /genres and /languages -----------------------------------------------------------------


def test_genres_and_languages_with_title_counts_cached_until_the_catalogue_changes(
    api_client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    MovieFactory(genres=["Drama", "Comedy"], languages=["Yoruba", "English"])
    MovieFactory(genres=["drama"], languages=["Yoruba"])
    SeriesFactory(genres=["Comedy"], languages=["Igbo"])
    MovieFactory(type="music_video", genres=["Music"], languages=["Yoruba"])
    body = api_client.get("/api/v1/genres").json()
    assert body == {"results": [{"name": "Comedy", "count": 2}, {"name": "Drama", "count": 2}]}
    assert api_client.get("/api/v1/languages").json()["results"] == [
        {"name": "Yoruba", "count": 2},
        {"name": "English", "count": 1},
        {"name": "Igbo", "count": 1},
    ]
    assert api_client.get("/api/v1/genres", {"type": "music_video"}).json()["results"] == [
        {"name": "Music", "count": 1}
    ]
    with django_assert_num_queries(0):
        assert api_client.get("/api/v1/genres/").json() == body
    with django_capture_on_commit_callbacks(execute=True):
        services.movie_create(data={"title": "New", "genres": ["Thriller"]})
    assert {"name": "Thriller", "count": 1} in api_client.get("/api/v1/genres").json()["results"]
    assert api_client.get("/api/v1/languages", {"type": "opera"}).status_code == 400
