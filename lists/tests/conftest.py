import pytest

from catalog.tests.factories import MovieFactory


@pytest.fixture
def movie(db):
    return MovieFactory()


@pytest.fixture
def other_movie(db):
    return MovieFactory()
