import uuid

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.api.exceptions import NotFound
from reviews import selectors, services
from reviews.models import Review
from reviews.shapes import Review as ReviewShape
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = pytest.mark.django_db


def make(status="approved", **kwargs):
    review = services.review_create(user=UserFactory(), movie_id=MovieFactory().pk, **{**GOOD_REVIEW, **kwargs})
    if status != "approved":
        services.review_moderate(review=review, status=status)
    return review


def test_display_row_reads_any_status_in_one_query(django_assert_num_queries):
    review, hidden = make(), make(status="rejected")
    voter = UserFactory()
    services.review_vote(review=review, user=voter, vote_type="helpful")
    with django_assert_num_queries(1):
        data = ReviewShape.build(selectors.review_display_row(review_id=review.pk, viewer=voter))
    assert (data["user_vote"], data["movie"]["title"], data["user"]["id"]) == (
        "helpful",
        review.movie.title,
        str(review.user_id),
    )
    assert selectors.review_display_row(review_id=hidden.pk)["id"] == hidden.pk
    with pytest.raises(NotFound):
        selectors.review_display_row(review_id=uuid.uuid4())


def test_for_display_pages_cost_one_query_whatever_their_size(django_assert_num_queries):
    voter = UserFactory()
    for _ in range(15):
        services.review_vote(review=make(), user=voter, vote_type="unhelpful")
    with django_assert_num_queries(1):
        rows = [ReviewShape.of(review) for review in selectors.review_list(viewer=voter)[:15]]
    assert {row["user_vote"] for row in rows} == {"unhelpful"}


def test_unknown_ordering_is_refused():
    with pytest.raises(ValueError, match="title"):
        Review.objects.ordered("-title")


def test_movie_and_user_lists_404_on_unknown_parents():
    with pytest.raises(NotFound):
        selectors.movie_review_list(movie_id=uuid.uuid4())
    with pytest.raises(NotFound):
        selectors.user_review_list(author_id=uuid.uuid4())
