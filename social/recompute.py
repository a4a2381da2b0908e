"""Social's counters for `recompute_stats` (the protocol: lemonnpie/db/reconcile.py)."""

from django.db.models import Count

from accounts.models import User
from lemonnpie.db.reconcile import counter
from social.models import Follow


def _follow_truth(user_ids: list) -> dict:
    truth: dict = {}
    followers = Follow.objects.filter(following_id__in=user_ids).values("following_id").annotate(n=Count("id"))
    for row in followers.order_by():
        truth.setdefault(row["following_id"], {})["followers_count"] = row["n"]
    following = Follow.objects.filter(follower_id__in=user_ids).values("follower_id").annotate(n=Count("id"))
    for row in following.order_by():
        truth.setdefault(row["follower_id"], {})["following_count"] = row["n"]
    return truth


recompute_follow_counters = counter(
    "user follow counters", model=User, fields=("followers_count", "following_count"), truth=_follow_truth
)

RECOMPUTERS = [recompute_follow_counters]
