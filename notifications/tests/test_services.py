"""The notifications each cause writes, in its own transaction, and what a receiver may see."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.tests.factories import CriticFactory, UserFactory
from catalog.tests.factories import MovieFactory
from moderation import services as moderation
from moderation.models import ContentType
from notifications import digest, fanout, selectors, services
from notifications.kinds import Kind
from notifications.models import Notification, NotificationPreference
from notifications.tests.conftest import publish_review
from outbox.models import OutboxMessage
from reviews import services as review_services
from reviews.models import ModerationStatus
from social import services as social_services
from social.tests.factories import WatchlistEntryFactory

pytestmark = pytest.mark.django_db


def shown(user, **filters):
    return list(selectors.notification_list(user_id=user.pk).filter(**filters))


def test_a_follow_notifies_the_followed_user_once_while_unread(user, other_user):
    social_services.follow_create(follower=other_user, following_id=user.pk)
    social_services.follow_delete(follower=other_user, following_id=user.pk)
    social_services.follow_create(follower=other_user, following_id=user.pk)
    [row] = shown(user)
    assert (row.kind, row.actor_id, row.count) == (Kind.NEW_FOLLOWER, other_user.pk, 1)


def test_helpful_votes_fold_into_one_row_until_read(user, review):
    voters = UserFactory.create_batch(3)
    for voter in voters:
        review_services.review_vote(review=review, user=voter, vote_type="helpful")
    review_services.review_vote(review=review, user=UserFactory(), vote_type="unhelpful")
    [row] = shown(user)
    assert (row.kind, row.count, row.actor_id) == (Kind.REVIEW_VOTED, 3, voters[-1].pk)
    services.notification_mark_read(user=user, notification_id=row.pk)
    review_services.review_vote(review=review, user=UserFactory(), vote_type="helpful")
    rows = shown(user)
    assert [(r.count, r.read_at is None) for r in rows] == [(1, True), (3, False)]


def test_an_unhelpful_vote_changed_to_helpful_notifies(user, review):
    voter = UserFactory()
    review_services.review_vote(review=review, user=voter, vote_type="unhelpful")
    assert shown(user) == []
    review_services.review_vote(review=review, user=voter, vote_type="helpful")
    assert [r.kind for r in shown(user)] == [Kind.REVIEW_VOTED]


def test_a_kind_switched_off_in_app_is_not_written(user, other_user):
    services.preferences_update(user=user, changes=[{"kind": Kind.NEW_FOLLOWER, "in_app": False}])
    social_services.follow_create(follower=other_user, following_id=user.pk)
    assert not Notification.objects.exists()


def test_a_rolled_back_cause_leaves_no_notification_and_pushes_nothing(
    user, other_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        social_services.follow_create(follower=other_user, following_id=user.pk)
        raise RuntimeError("the follow failed")
    assert callbacks == [] and not Notification.objects.exists()


def test_moderation_tells_the_author_the_public_reason_only(user, review, moderator):
    moderation.moderation_decide(
        review_id=review.pk, action="reject", reason="internal: known spammer", public_reason="Spam.", actor=moderator
    )
    [row] = shown(user)
    assert row.kind == Kind.REVIEW_MODERATED and row.actor_id is None
    assert row.data == {"status": ModerationStatus.REJECTED, "reason": "Spam."}
    assert "internal" not in str(row.data)


def test_three_reports_hide_the_review_and_tell_the_author(user, review):
    for reporter in UserFactory.create_batch(3):
        moderation.report_create(
            reporter=reporter, content_type=ContentType.REVIEW, content_id=review.pk, reason="spam"
        )
    [row] = shown(user)
    assert row.data["status"] == ModerationStatus.PENDING and row.data["reason"] == moderation.AUTO_HIDE_PUBLIC_REASON


def test_a_resolved_report_tells_the_reporter_without_the_note(user, review, other_user, moderator):
    report = moderation.report_create(
        reporter=other_user, content_type=ContentType.REVIEW, content_id=review.pk, reason="spam"
    )
    moderation.report_resolve(report_id=report.pk, resolution="dismissed", note="secret note", actor=moderator)
    [row] = shown(other_user)
    assert row.kind == Kind.REPORT_DECIDED
    assert row.data == {"report_id": str(report.pk), "content_type": "review", "resolution": "dismissed"}


def test_a_new_review_fans_out_to_followers_in_batches(settings, movie, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_FANOUT_BATCH_SIZE = 2
    author = UserFactory()
    followers = UserFactory.create_batch(5)
    for follower in followers:
        social_services.follow_create(follower=follower, following_id=author.pk)
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_review(author, movie)
    batches = OutboxMessage.objects.filter(task=fanout.BATCH_TASK)
    assert batches.count() == 3 and all(m.delivered_at for m in batches)
    rows = Notification.objects.filter(review=review, kind=Kind.FOLLOWED_USER_REVIEWED)
    assert sorted(r.recipient_id for r in rows) == sorted(f.pk for f in followers)
    for message in batches:  # a batch delivered again writes nothing twice
        assert fanout.review_fan_out_batch(**message.kwargs) == 0


def test_a_critics_review_reaches_watch_listers_once(movie, django_capture_on_commit_callbacks):
    critic = CriticFactory()
    follower_with_title, follower, lister = UserFactory.create_batch(3)
    for someone in (follower_with_title, follower):
        social_services.follow_create(follower=someone, following_id=critic.pk)
    for someone in (follower_with_title, lister):
        WatchlistEntryFactory(user=someone, movie=movie)
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_review(critic, movie)
    kinds = dict(Notification.objects.filter(review=review).values_list("recipient_id", "kind"))
    assert kinds == {
        follower_with_title.pk: Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC,
        follower.pk: Kind.FOLLOWED_USER_REVIEWED,
        lister.pk: Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC,
    }


def test_what_the_receiver_may_not_see_is_hidden_at_read_time(user, movie, django_capture_on_commit_callbacks):
    author, voter = UserFactory.create_batch(2)
    social_services.follow_create(follower=user, following_id=author.pk)
    social_services.follow_create(follower=author, following_id=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        review = publish_review(author, movie)
    own = publish_review(user, MovieFactory())
    review_services.review_vote(review=own, user=voter, vote_type="helpful")
    assert {r.kind for r in shown(user)} == {Kind.NEW_FOLLOWER, Kind.FOLLOWED_USER_REVIEWED, Kind.REVIEW_VOTED}
    assert selectors.notification_unread_count(user_id=user.pk) == 3

    review_services.review_moderate(review=review, status=ModerationStatus.REJECTED)  # hidden review
    moderation.user_suspend(user_id=voter.pk, reason="spam", actor=None)  # the latest voter
    rows = shown(user)
    assert {r.kind for r in rows} == {Kind.NEW_FOLLOWER, Kind.REVIEW_VOTED}
    moderation.user_suspend(user_id=author.pk, reason="spam", actor=None)  # the follower
    assert [r.kind for r in shown(user)] == [Kind.REVIEW_VOTED]
    assert selectors.notification_unread_count(user_id=user.pk) == 1


def test_mark_read_is_the_receivers_own(user, other_user):
    social_services.follow_create(follower=other_user, following_id=user.pk)
    [row] = shown(user)
    with pytest.raises(Exception, match="not found"):
        services.notification_mark_read(user=other_user, notification_id=row.pk)
    services.notification_mark_read(user=user, notification_id=row.pk)
    services.notification_mark_read(user=user, notification_id=row.pk)
    assert selectors.notification_unread_count(user_id=user.pk) == 0


def test_replay_gives_what_came_after_the_last_seen_id(user):
    followers = UserFactory.create_batch(4)
    for follower in followers:
        social_services.follow_create(follower=follower, following_id=user.pk)
    oldest_first = shown(user)[::-1]
    rows, known, truncated = selectors.notifications_since(user_id=user.pk, last_id=oldest_first[1].pk)
    assert known and not truncated
    assert {r.pk for r in rows} >= {r.pk for r in oldest_first[2:]}
    rows, known, truncated = selectors.notifications_since(user_id=user.pk, last_id=oldest_first[0].pk, limit=2)
    assert truncated and [r.pk for r in rows] == [r.pk for r in oldest_first[2:]]
    assert selectors.notifications_since(user_id=user.pk, last_id=followers[0].pk)[1] is False


def test_the_email_digest_is_opt_in_and_covers_each_notification_once(
    user, other_user, django_capture_on_commit_callbacks
):
    social_services.follow_create(follower=other_user, following_id=user.pk)
    assert digest.email_digests_send() == {"users": 0, "mailed": 0, "notifications": 0}
    NotificationPreference.objects.create(user=user, kind=Kind.NEW_FOLLOWER, email_digest=True)
    social_services.follow_create(follower=UserFactory(), following_id=user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.email_digests_send() == {"users": 1, "mailed": 1, "notifications": 2}
    [message] = mail.outbox
    assert message.to == [user.email] and f"{other_user.name} started following you." in message.body
    assert digest.email_digests_send()["mailed"] == 0
