"""lemonnpie.db.compiled answers what the ORM answers, for the queries compiled in the apps."""

import uuid

import pytest
from django.db.models import Exists, OuterRef

from accounts import authentication
from accounts.models import RevokedSession, User
from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.db.compiled import compile_query
from reviews import selectors, services
from reviews.models import Review
from reviews.shapes import Review as ReviewShape
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = pytest.mark.django_db


def test_values_query_answers_like_the_orm():
    voter = UserFactory()
    review = services.review_create(user=UserFactory(), movie_id=MovieFactory().pk, **GOOD_REVIEW)
    services.review_vote(review=review, user=voter, vote_type="helpful")
    for viewer in (voter, None):
        expected = ReviewShape.rows(Review.objects.with_user_vote(viewer).filter(pk=review.pk)).get()
        assert selectors.review_display_row(review_id=review.pk, viewer=viewer) == expected
    assert selectors.review_display_row(review_id=review.pk, viewer=voter)["user_vote"] == "helpful"


def test_model_query_answers_with_column_names_and_none_when_missing():
    user = UserFactory(name="Ada")
    sid = uuid.uuid4()
    RevokedSession.objects.create(sid=sid, user=user)
    query = compile_query(
        lambda *, user, session: User.objects.filter(pk=user).annotate(
            session_revoked=Exists(RevokedSession.objects.filter(sid=session, user=OuterRef("pk")))
        ),
        "user",
        "session",
    )
    row = query.first(user=user.pk, session=sid)
    assert (row["id"], row["name"], row["session_revoked"]) == (user.pk, "Ada", True)
    assert query.first(user=user.pk, session=uuid.uuid4())["session_revoked"] is False
    assert query.first(user=uuid.uuid4(), session=sid) is None


def test_the_authentication_query_loads_the_user():
    user = UserFactory()
    loaded = authentication._load_user(user.pk, None)
    assert loaded == user and loaded.email == user.email
    assert authentication._load_user(uuid.uuid4(), None) is None
    sid = uuid.uuid4()
    RevokedSession.objects.create(sid=sid, user=user)
    assert authentication._load_user(user.pk, sid).session_revoked is True
