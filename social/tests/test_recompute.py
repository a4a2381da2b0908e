import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from lemonnpie.db.reconcile import no_progress
from social import services
from social.recompute import recompute_follow_counters
from social.tests.factories import FollowFactory

pytestmark = pytest.mark.django_db


def _counts(user):
    user = User.objects.get(pk=user.pk)
    return user.followers_count, user.following_count


def test_recompute_reports_and_repairs_drift():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    services.follow_create(follower=a, following_id=b.pk)  # counted properly
    FollowFactory(follower=c, following=a)  # rows the counters never saw
    FollowFactory(follower=c, following=b)
    User.objects.filter(pk=b.pk).update(following_count=4)  # a counter without rows
    assert recompute_follow_counters(fix=False, batch_size=1000, progress=no_progress).drifted == 3  # a, b, c
    assert _counts(a) == (0, 1)  # a dry run changes nothing
    assert recompute_follow_counters(fix=True, batch_size=1000, progress=no_progress).drifted == 3
    assert _counts(a) == (1, 1)
    assert _counts(b) == (2, 0)
    assert _counts(c) == (0, 2)
    assert recompute_follow_counters(fix=False, batch_size=1000, progress=no_progress).drifted == 0
    assert recompute_follow_counters(fix=True, batch_size=1000, progress=no_progress).drifted == 0


def test_recompute_with_no_drift_is_zero(user, other_user):
    services.follow_create(follower=user, following_id=other_user.pk)
    services.follow_create(follower=other_user, following_id=user.pk)
    assert recompute_follow_counters(fix=True, batch_size=1000, progress=no_progress).drifted == 0


def test_recompute_repairs_in_chunks():
    users = [UserFactory(followers_count=3) for _ in range(7)]
    assert recompute_follow_counters(fix=True, batch_size=2, progress=no_progress).drifted == 7
    assert all(_counts(user) == (0, 0) for user in users)
