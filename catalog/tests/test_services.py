"""Catalogue services: nested writes, deletes that keep user totals right, concurrency."""

import pytest
from django.db.models import F

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog import services
from catalog.models import Movie, MovieCast
from catalog.tests.factories import MovieFactory
from lemonnpie.api.exceptions import NotFound
from lemonnpie.testing import run_in_threads
from reviews.models import ModerationStatus
from reviews.tests.factories import ReviewFactory


@pytest.mark.django_db
def test_movie_create_writes_the_lists_and_returns_the_row():
    movie = services.movie_create(
        data={
            "title": "Ìjọ̀ba Òkè",
            "release_date": "2020-01-01",
            "genres": ["Drama"],
            "languages": ["Yoruba"],
            "cast": [{"actor_name": "Odunlade Adekola"}, {"actor_name": "Tunde Kelani", "role_type": "director"}],
            "is_featured": True,
        }
    )
    assert movie.is_featured is False  # only when the caller may feature
    assert list(movie.cast_rows.values_list("actor_name", "role_type", "position")) == [
        ("Odunlade Adekola", "actor", 0),
        ("Tunde Kelani", "director", 1),
    ]


@pytest.mark.django_db
def test_movie_update_of_an_unknown_movie_is_not_found():
    with pytest.raises(NotFound):
        services.movie_update(movie_id="00000000-0000-0000-0000-000000000000", data={"title": "x"})


@pytest.mark.django_db
def test_movie_delete_takes_its_approved_reviews_out_of_their_authors_totals():
    author, other = UserFactory(), UserFactory()
    doomed, kept = MovieFactory(), MovieFactory()
    ReviewFactory(user=author, movie=doomed, lemon_pie_rating=9)
    ReviewFactory(user=author, movie=kept, lemon_pie_rating=5)
    ReviewFactory(user=other, movie=doomed, lemon_pie_rating=3, moderation_status=ModerationStatus.REJECTED)
    # The totals as the reviews services keep them: approved reviews only.
    User.objects.filter(pk=author.pk).update(review_count=2, review_rating_sum=14, movies_watched=2)

    services.movie_delete(movie_id=doomed.pk)

    author.refresh_from_db()
    other.refresh_from_db()
    assert (author.review_count, author.review_rating_sum, author.movies_watched) == (1, 5, 1)
    assert (other.review_count, other.review_rating_sum) == (0, 0)
    assert not Movie.objects.filter(pk=doomed.pk).exists()


@pytest.mark.django_db
def test_movie_set_featured_counts_real_changes():
    first, second = MovieFactory(), MovieFactory(is_featured=True)
    assert services.movie_set_featured(movie_ids=[first.pk, second.pk], featured=True) == 1
    assert Movie.objects.filter(is_featured=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_cast_edits_apply_one_after_the_other():
    movie = MovieFactory(cast=["Start"])

    def edit(index):
        cast = [{"actor_name": f"Actor {index}-{n}"} for n in range(5)]
        services.movie_update(movie_id=movie.pk, data={"cast": cast})

    assert run_in_threads(edit, 8) == []
    names = list(MovieCast.objects.filter(movie=movie).values_list("actor_name", flat=True))
    assert len(names) == 5 and len({name.split("-")[0] for name in names}) == 1  # one edit's list, whole


@pytest.mark.django_db(transaction=True)
def test_edits_never_overwrite_review_counters_changed_meanwhile():
    """Reviews bump counters in SQL while admins edit the row: no increment is lost."""
    movie = MovieFactory()

    def work(index):
        if index % 2:
            Movie.objects.filter(pk=movie.pk).update(review_count=F("review_count") + 1, rating_sum=F("rating_sum") + 7)
        else:
            services.movie_update(movie_id=movie.pk, data={"title": f"Edit {index}", "genres": ["Drama"]})

    assert run_in_threads(work, 16) == []
    movie.refresh_from_db()
    assert (movie.review_count, movie.rating_sum) == (8, 56)
