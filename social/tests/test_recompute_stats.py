import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.tests.factories import UserFactory
from social.services import follow_create

pytestmark = pytest.mark.django_db


def test_recompute_stats_repairs_follow_counters(capsys):
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    follow_create(follower=alice, following_id=bob.pk)
    follow_create(follower=carol, following_id=bob.pk)
    User.objects.filter(pk=bob.pk).update(followers_count=7)
    User.objects.filter(pk=alice.pk).update(following_count=0)
    call_command("recompute_stats", "--only", "follow", "--no-progress")
    out = capsys.readouterr().out
    assert "user follow counters" in out
    bob.refresh_from_db()
    alice.refresh_from_db()
    assert (bob.followers_count, alice.following_count) == (2, 1)
    call_command("recompute_stats", "--only", "follow", "--no-progress", "--fail-on-drift")
