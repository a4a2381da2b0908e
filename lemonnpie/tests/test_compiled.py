"""lemonnpie.db.compiled answers what the ORM answers, for the queries compiled in the apps."""

import uuid

import pytest
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL

from accounts import authentication
from accounts.models import RevokedSession, User
from accounts.tests.factories import UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from lemonnpie.db.compiled import PAGE_IDS, compile_counted_page, compile_query
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


def test_a_counted_page_is_the_orms_page_and_count_in_one_statement(django_assert_num_queries):
    """`compile_counted_page` over any ordered query (here titles of one type, by name): every
    page with its count as the ORM and Django's paginator give them, empty pages included."""
    for title, kind in [("Alpha", "movie"), ("Amber", "series"), ("Apex", "movie"), ("Arrow", "movie")]:
        MovieFactory(title=title, type=kind)
    MovieFactory(title="Bravo", type="movie")

    def matching(*, kind):
        return Movie.objects.filter(type=kind)

    page_ids = RawSQL(*PAGE_IDS)  # noqa: S611 (a constant, no values)
    hits = compile_query(lambda *, kind: matching(kind=kind).values("id", "title"), texts=("kind",))
    rows = compile_query(lambda: Movie.objects.filter(pk__in=page_ids).order_by("title").values("id", "title"))
    together = compile_counted_page(hits, rows, order='"title"')
    for kind in ["movie", "series", "short"]:
        expected = Paginator(matching(kind=kind).order_by("title").values("id", "title"), 2)
        for number in (1, 2, 3, 4):
            with django_assert_num_queries(1):
                count, page = together.read((number - 1) * 2, 2, kind=kind)
            assert count == expected.count
            assert page == (list(expected.page(number)) if number <= expected.num_pages else []), (kind, number)


def test_a_counted_page_needs_values_queries_with_ids():
    rows = compile_query(lambda: Movie.objects.filter(pk__in=RawSQL(*PAGE_IDS)).values("id", "title"))  # noqa: S611
    with pytest.raises(ValueError, match="id column"):
        compile_counted_page(compile_query(lambda: Movie.objects.values("title")), rows, order='"title"')
    with pytest.raises(ValueError, match="id column"):
        compile_counted_page(compile_query(lambda: Movie.objects.all()), rows, order='"title"')
    with pytest.raises(ValueError, match="values"):
        everything = compile_query(lambda: Movie.objects.all())
        compile_counted_page(compile_query(lambda: Movie.objects.values("id")), everything, order='"id"')
