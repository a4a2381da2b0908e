import math

import pytest
from django.core.cache import cache

from accounts.models import Role, User
from accounts.tests.factories import CriticFactory, ModeratorFactory, UserFactory
from catalog.cache import movie_detail_key
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, Conflict, NotFound
from reviews import services
from reviews.models import Review, ReviewVote
from reviews.signals import review_changed
from reviews.tests.helpers import GOOD_REVIEW, assert_everything_exact, assert_movie_exact, movie_stored

pytestmark = pytest.mark.django_db


def create(user, movie, **overrides):
    return services.review_create(user=user, movie_id=movie.pk, **{**GOOD_REVIEW, **overrides})


def test_creating_a_review_adds_it_to_every_movie_and_user_aggregate(user, movie):
    create(user, movie, lemon_pie_rating=7)
    stored = movie_stored(movie.pk)
    assert stored["review_count"] == 1
    assert stored["rating_sum"] == 7
    assert stored["rating_count_7"] == 1
    assert sum(stored[f"rating_count_{v}"] for v in range(1, 11)) == 1
    assert stored["cultural_authenticity_sum"] == 9
    assert stored["production_quality_sum"] == 6
    assert stored["story_sum"] == 7
    assert stored["acting_sum"] == 8
    assert stored["cinematography_sum"] == 5
    assert stored["critic_count"] == 0
    movie.refresh_from_db()
    assert float(movie.lemon_pie_rating) == 7.0
    user.refresh_from_db()
    assert (user.review_count, user.review_rating_sum) == (1, 7)


def test_critic_reviews_feed_the_separate_critic_score(movie):
    create(CriticFactory(), movie, lemon_pie_rating=9)
    create(UserFactory(), movie, lemon_pie_rating=4)
    stored = movie_stored(movie.pk)
    assert (stored["review_count"], stored["rating_sum"]) == (2, 13)
    assert (stored["critic_count"], stored["critic_rating_sum"]) == (1, 9)
    assert_movie_exact(movie.pk)


def test_a_second_review_of_the_same_movie_is_a_conflict_and_changes_nothing(user, movie):
    create(user, movie)
    before = movie_stored(movie.pk)
    with pytest.raises(Conflict):
        create(user, movie, lemon_pie_rating=2)
    assert movie_stored(movie.pk) == before
    assert Review.objects.count() == 1


def test_an_unknown_movie_is_a_validation_error_on_movie_id(user):
    import uuid

    with pytest.raises(ApplicationError) as info:
        services.review_create(user=user, movie_id=uuid.uuid4(), **GOOD_REVIEW)
    assert info.value.status == 400
    assert info.value.error == "validation_error"
    assert info.value.details[0]["field"] == "movie_id"


def test_editing_moves_the_distribution_and_sums_by_the_difference(user, movie):
    review = create(user, movie, lemon_pie_rating=3)
    create(UserFactory(), movie, lemon_pie_rating=3)
    services.review_update(review=review, actor=user, lemon_pie_rating=10, story_rating=1)
    stored = movie_stored(movie.pk)
    assert stored["rating_count_3"] == 1
    assert stored["rating_count_10"] == 1
    assert stored["rating_sum"] == 13
    assert stored["story_sum"] == 1 + 7
    assert_everything_exact()


def test_editing_text_only_leaves_aggregates_alone_and_bumps_updated_at(user, movie):
    review = create(user, movie)
    before = movie_stored(movie.pk)
    updated = services.review_update(review=review, actor=user, review_text="A different opinion, same numbers.")
    assert movie_stored(movie.pk) == before
    assert updated.updated_at > review.updated_at


def test_only_the_author_may_edit(user, other_user, movie):
    review = create(user, movie)
    with pytest.raises(ApplicationError) as info:
        services.review_update(review=review, actor=other_user, lemon_pie_rating=1)
    assert info.value.status == 403
    assert_everything_exact()


def test_deleting_takes_the_review_out_of_every_aggregate_and_its_votes_with_it(user, other_user, movie):
    review = create(user, movie)
    services.review_vote(review=review, user=other_user, vote_type="helpful")
    services.review_delete(review=review, actor=user)
    assert movie_stored(movie.pk)["review_count"] == 0
    assert not ReviewVote.objects.exists()
    assert_everything_exact()


def test_moderators_may_delete_others_reviews_plain_users_may_not(user, other_user, movie):
    review = create(user, movie)
    with pytest.raises(ApplicationError) as info:
        services.review_delete(review=review, actor=other_user)
    assert info.value.status == 403
    services.review_delete(review=review, actor=ModeratorFactory())
    assert not Review.objects.exists()
    assert_everything_exact()


@pytest.mark.parametrize("hidden_status", ["pending", "rejected"])
def test_hiding_and_restoring_a_review_moves_it_out_of_and_back_into_aggregates(user, movie, hidden_status):
    review = create(CriticFactory(), movie, lemon_pie_rating=6)
    create(user, movie, lemon_pie_rating=2)
    services.review_moderate(review=review, status=hidden_status, actor=ModeratorFactory())
    stored = movie_stored(movie.pk)
    assert (stored["review_count"], stored["rating_sum"], stored["critic_count"]) == (1, 2, 0)
    assert_everything_exact()
    author = User.objects.get(pk=review.user_id)
    assert author.review_count == 0
    services.review_moderate(review=review, status="approved")
    stored = movie_stored(movie.pk)
    assert (stored["review_count"], stored["rating_sum"], stored["critic_count"]) == (2, 8, 1)
    assert_everything_exact()


def test_moderating_to_the_same_status_twice_changes_nothing(user, movie):
    review = create(user, movie)
    services.review_moderate(review=review, status="rejected")
    services.review_moderate(review=review, status="rejected")
    services.review_moderate(review=review, status="pending")
    assert movie_stored(movie.pk)["review_count"] == 0
    assert_everything_exact()


def test_moderate_refuses_an_unknown_status(user, movie):
    review = create(user, movie)
    with pytest.raises(ApplicationError) as info:
        services.review_moderate(review=review, status="deleted")
    assert info.value.error == "validation_error"


def test_a_deleted_hidden_review_subtracts_nothing(user, movie):
    review = create(user, movie)
    services.review_moderate(review=review, status="rejected")
    services.review_delete(review=review, actor=user)
    assert_everything_exact()


def test_after_commit_the_movie_cache_is_invalidated_and_review_changed_is_sent(
    user, movie, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append((kwargs["action"], kwargs["review_id"], kwargs["user_id"], kwargs["movie_id"]))

    review_changed.connect(receiver, dispatch_uid="test-receiver")
    try:
        cache.set(movie_detail_key(movie.pk), {"stale": True})
        with django_capture_on_commit_callbacks(execute=True):
            review = create(user, movie)
        assert cache.get(movie_detail_key(movie.pk)) is None
        with django_capture_on_commit_callbacks(execute=True):
            services.review_update(review=review, actor=user, lemon_pie_rating=2)
            services.review_moderate(review=review, status="pending")
            services.review_moderate(review=review, status="approved")
            services.review_delete(review=review, actor=user)
    finally:
        review_changed.disconnect(dispatch_uid="test-receiver")
    assert [action for action, *_ in received] == ["created", "updated", "hidden", "restored", "deleted"]
    assert {(r, u, m) for _, r, u, m in received} == {(review.pk, user.pk, movie.pk)}


def test_a_failing_signal_receiver_does_not_break_the_write(user, movie, django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    review_changed.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            create(user, movie)
    finally:
        review_changed.disconnect(dispatch_uid="test-broken")
    assert Review.objects.count() == 1


def test_nothing_is_sent_before_commit(user, movie, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(user, movie)
    assert len(callbacks) == 1  # queued for after commit, not run inside the transaction


# --- votes ---------------------------------------------------------------------------------------


def test_voting_is_idempotent_and_changing_the_vote_moves_it(user, other_user, movie):
    review = create(user, movie)
    assert services.review_vote(review=review, user=other_user, vote_type="helpful") is None
    assert services.review_vote(review=review, user=other_user, vote_type="helpful") == "helpful"
    review.refresh_from_db()
    assert (review.helpful_votes, review.unhelpful_votes) == (1, 0)
    services.review_vote(review=review, user=other_user, vote_type="unhelpful")
    review.refresh_from_db()
    assert (review.helpful_votes, review.unhelpful_votes) == (0, 1)
    assert ReviewVote.objects.get().vote_type == "unhelpful"


def test_removing_a_vote_is_idempotent(user, other_user, movie):
    review = create(user, movie)
    services.review_vote(review=review, user=other_user, vote_type="unhelpful")
    assert services.review_unvote(review=review, user=other_user) == "unhelpful"
    assert services.review_unvote(review=review, user=other_user) is None
    review.refresh_from_db()
    assert (review.helpful_votes, review.unhelpful_votes) == (0, 0)


def test_nobody_votes_on_their_own_review(user, movie):
    review = create(user, movie)
    with pytest.raises(ApplicationError) as info:
        services.review_vote(review=review, user=user, vote_type="helpful")
    assert (info.value.status, info.value.error) == (400, "bad_request")
    assert not ReviewVote.objects.exists()


def test_hidden_reviews_take_no_votes(user, other_user, movie):
    review = create(user, movie)
    services.review_moderate(review=review, status="pending")
    with pytest.raises(NotFound):
        services.review_vote(review=review, user=other_user, vote_type="helpful")


def wilson(helpful: int, total: int, z: float = 1.96) -> float:
    """The textbook formula, in terms of the proportion p (independent of the model's SQL)."""
    if total == 0:
        return 0.0
    p = helpful / total
    return (p + z * z / (2 * total) - z * math.sqrt((p * (1 - p) + z * z / (4 * total)) / total)) / (1 + z * z / total)


def test_votes_change_the_stored_wilson_score(user, movie):
    review = create(user, movie)
    assert review.helpfulness_wilson == 0
    for _ in range(3):
        services.review_vote(review=review, user=UserFactory(), vote_type="helpful")
    review.refresh_from_db()
    assert review.helpfulness_wilson == pytest.approx(wilson(3, 3))
    services.review_vote(review=review, user=UserFactory(), vote_type="unhelpful")
    review.refresh_from_db()
    assert review.helpfulness_wilson == pytest.approx(wilson(3, 4))
    assert review.helpfulness_wilson == pytest.approx(0.3006, abs=1e-4)


def test_votes_do_not_touch_movie_aggregates(user, other_user, movie):
    review = create(user, movie)
    before = movie_stored(movie.pk)
    services.review_vote(review=review, user=other_user, vote_type="helpful")
    assert movie_stored(movie.pk) == before


# --- roles and flags -----------------------------------------------------------------------------


def test_removing_a_review_subtracts_what_was_added_even_after_a_role_change(movie):
    critic = CriticFactory()
    review = create(critic, movie)
    User.objects.filter(pk=critic.pk).update(role=Role.USER)  # demoted, no sync yet
    services.review_delete(review=review, actor=critic)
    stored = movie_stored(movie.pk)
    assert (stored["review_count"], stored["critic_count"], stored["critic_rating_sum"]) == (0, 0, 0)


def test_role_sync_moves_a_promoted_users_reviews_into_the_critic_score(user, movie, other_movie):
    create(user, movie, lemon_pie_rating=9)
    create(user, other_movie, lemon_pie_rating=3)
    User.objects.filter(pk=user.pk).update(role=Role.CRITIC)
    assert services.review_author_role_sync(user=user) == 2
    assert movie_stored(movie.pk)["critic_rating_sum"] == 9
    assert movie_stored(other_movie.pk)["critic_rating_sum"] == 3
    assert services.review_author_role_sync(user=user) == 0
    assert_everything_exact()
    User.objects.filter(pk=user.pk).update(role=Role.USER)
    assert services.review_author_role_sync(user=user) == 2
    assert_everything_exact()


def test_an_edit_realigns_the_critic_flag_with_the_current_role(user, movie):
    review = create(user, movie, lemon_pie_rating=5)
    User.objects.filter(pk=user.pk).update(role=Role.CRITIC)
    services.review_update(review=review, actor=user, review_text="Re-watched it as a critic, still a five.")
    assert Review.objects.get(pk=review.pk).by_critic is True
    assert movie_stored(movie.pk)["critic_count"] == 1
    assert_everything_exact()


def test_review_create_refuses_fields_it_does_not_own(user, movie):
    with pytest.raises(ValueError, match="helpful_votes"):
        create(user, movie, helpful_votes=99)
    assert not Movie.objects.filter(review_count__gt=0).exists()


# --- cascades from other apps --------------------------------------------------------------------


def test_deleting_a_user_takes_their_reviews_and_votes_out_of_every_aggregate(movie, other_movie):
    leaving = UserFactory()
    staying = UserFactory()
    their_review = create(leaving, movie, lemon_pie_rating=2)
    kept = create(staying, other_movie, lemon_pie_rating=9)
    create(UserFactory(), movie, lemon_pie_rating=6)
    services.review_vote(review=kept, user=leaving, vote_type="unhelpful")
    services.review_vote(review=their_review, user=staying, vote_type="helpful")
    leaving.delete()
    assert movie_stored(movie.pk)["review_count"] == 1
    kept.refresh_from_db()
    assert (kept.helpful_votes, kept.unhelpful_votes) == (0, 0)
    assert_everything_exact()


def test_deleting_a_movie_takes_its_reviews_out_of_their_authors_counters(movie, other_movie):
    author = UserFactory()
    create(author, movie, lemon_pie_rating=3)
    create(author, other_movie, lemon_pie_rating=10)
    hidden = create(UserFactory(), movie)
    services.review_moderate(review=hidden, status="rejected")
    Movie.objects.get(pk=movie.pk).delete()
    author.refresh_from_db()
    assert (author.review_count, author.review_rating_sum) == (1, 10)
    assert_everything_exact()


def test_tags_are_normalised_and_validated_by_the_services_too(user, movie):
    review = create(user, movie, nollywood_tags=["Family Drama", "family_drama", "Òfin"])
    assert review.nollywood_tags == ["family-drama", "ofin"]
    with pytest.raises(ApplicationError) as info:
        services.review_update(review=review, actor=user, nollywood_tags=["ok", "??"])
    assert info.value.details == [{"field": "nollywood_tags.1", "message": "A tag needs at least one letter or digit."}]


def test_the_database_refuses_more_than_ten_tags_whoever_writes(user, movie):
    from django.db import IntegrityError, transaction

    review = create(user, movie)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(nollywood_tags=[f"t{n}" for n in range(11)])
