import pytest

from catalog.tests.factories import MovieFactory
from reviews import services as review_services


@pytest.fixture
def movie(db):
    return MovieFactory()


@pytest.fixture
def review(db, user, movie):
    """An approved review by `user` (the receiver of most notifications here)."""
    return publish_review(user, movie)


def publish_review(author, movie, **fields):
    """A review written through the service (the fan-out hook runs; Celery is eager in tests)."""
    body = {
        "lemon_pie_rating": 8,
        "review_text": "A fine Nollywood drama with a strong cast.",
        "cultural_authenticity_rating": 8,
        "production_quality_rating": 7,
        "story_rating": 8,
        "acting_rating": 9,
        "cinematography_rating": 7,
        **fields,
    }
    return review_services.review_create(user=author, movie_id=movie.pk, **body)
