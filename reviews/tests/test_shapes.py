"""The Review shape: rows from `reviews.selectors` give what the instance path gives."""

import pytest
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from accounts.models import User
from accounts.shapes import UserPublic
from accounts.tests.factories import CriticFactory, UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.api.renderers import render_json
from reviews import selectors, services
from reviews.models import Review
from reviews.shapes import Review as ReviewShape
from reviews.tests.helpers import GOOD_REVIEW
from social.shapes import FeedItem

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
def test_review_rows_equal_the_instances(reviews, signed_in):
    viewer, _ = reviews
    viewer = viewer if signed_in else None
    queryset = Review.objects.for_display(viewer).order_by("-created_at", "id")
    rows = [ReviewShape.build(row) for row in ReviewShape.rows(queryset)]
    assert rows == [ReviewShape.of(review) for review in queryset]
    assert render_json(rows) == DRFJSONRenderer().render(rows)
    assert {row["user_vote"] for row in rows} == ({"helpful", "unhelpful", None} if signed_in else {None})
    assert {row["helpfulness_score"] for row in rows} == {1, 0}
    assert rows[-1]["user"]["name"] == "Ọlá Àdìgún" and rows[-1]["movie"]["title"] == "Ọba Adé"


def test_display_row_equals_the_list_row(reviews):
    viewer, written = reviews
    listed = {row["id"]: row for row in map(ReviewShape.build, ReviewShape.rows(Review.objects.for_display(viewer)))}
    for review in written:
        row = selectors.review_display_row(review_id=review.pk, viewer=viewer)
        assert ReviewShape.build(row) == listed[str(review.pk)]


def test_feed_rows_carry_the_author_public_profile(reviews):
    queryset = Review.objects.for_display(None).order_by("-created_at", "id")
    for row in FeedItem.rows(queryset):
        item = FeedItem.build(row)
        assert item["actor"] == UserPublic.of(User.objects.get(pk=row["user__id"]))
        assert item["review"] == ReviewShape.build(row) and item["type"] == "review"
