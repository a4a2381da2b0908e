"""reviews.representations gives exactly what the DRF serializers give."""

import pytest
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from accounts.models import User
from accounts.serializers import UserPublicSerializer
from accounts.tests.factories import CriticFactory, UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.api.renderers import render_json
from reviews import services
from reviews.models import Review
from reviews.representations import author_public, review_dict, review_rows
from reviews.serializers import ReviewSerializer
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviews():
    viewer = UserFactory()
    critic = CriticFactory(name="Ọlá Àdìgún", bio="Nollywood since '92", location="Ìbàdàn")
    movie = MovieFactory(title="Ọba Adé")
    written = [
        services.review_create(user=critic, movie_id=movie.pk, **GOOD_REVIEW),
        services.review_create(
            user=UserFactory(),
            movie_id=MovieFactory().pk,
            **{**GOOD_REVIEW, "nollywood_tags": ["Family Drama", "lagos"], "spoiler_warning": True},
        ),
        services.review_create(user=UserFactory(), movie_id=movie.pk, **{**GOOD_REVIEW, "nollywood_tags": []}),
    ]
    services.review_vote(review=written[0], user=viewer, vote_type="helpful")
    services.review_vote(review=written[1], user=viewer, vote_type="unhelpful")
    services.review_vote(review=written[1], user=UserFactory(), vote_type="helpful")
    return viewer, written


@pytest.mark.parametrize("signed_in", [True, False])
def test_review_rows_equal_the_serializer(reviews, signed_in):
    viewer, _ = reviews
    viewer = viewer if signed_in else None
    queryset = Review.objects.for_display(viewer).order_by("-created_at", "id")
    expected = ReviewSerializer(list(queryset), many=True).data
    rows = [review_dict(row) for row in review_rows(queryset)]
    assert rows == expected
    assert render_json(rows) == DRFJSONRenderer().render(expected)
    assert {row["user_vote"] for row in rows} == ({"helpful", "unhelpful", None} if signed_in else {None})


def test_author_public_equals_the_serializer(reviews):
    queryset = Review.objects.for_display(None).order_by("-created_at", "id")
    for row in review_rows(queryset, author_stats=True):
        assert author_public(row) == UserPublicSerializer(User.objects.get(pk=row["user_id"])).data
