"""Follower-wide notifications of a new review, fanned out by Celery in batches.

`notify_review_published` is called in the transaction that creates the review and only writes
an outbox row (the review write does not grow with the author's audience). The worker then plans
the batches (`review_fan_out`: one outbox message per `NOTIFICATIONS_FANOUT_BATCH_SIZE` recipients,
committed with the plan) and runs each (`review_fan_out_batch`: one INSERT ... SELECT, idempotent
through the unique (recipient, review) index, pushed live after its commit). Batches run in
parallel on as many workers as there are; a retried batch writes nothing twice.

Recipients: the author's followers get `followed_user_reviewed`; when the author is a critic,
users with the title on their watchlist get `watchlist_title_reviewed_by_critic` instead (one
notification per review and recipient, the more specific one)."""

from django.conf import settings
from django.db import connection, transaction

from notifications import live
from notifications.kinds import Kind
from outbox.services import outbox_enqueue
from reviews.models import ModerationStatus, Review
from social.models import Follow, WatchlistEntry

BATCH_TASK = "notifications.tasks.review_fan_out_batch"


def notify_review_published(*, review_id) -> None:
    """A review became public: fan it out after commit, through the outbox (one row, no matter how
    many followers)."""
    outbox_enqueue(task="notifications.tasks.review_fan_out", kwargs={"review_id": str(review_id)})


def _source(kind: str, review: dict):
    """The recipients of `kind`, as an ordered queryset of user ids."""
    if kind == Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC:
        rows = WatchlistEntry.objects.filter(movie_id=review["movie_id"]).exclude(user_id=review["user_id"])
        return rows.order_by("user_id").values_list("user_id", flat=True)
    rows = Follow.objects.filter(following_id=review["user_id"])
    return rows.order_by("follower_id").values_list("follower_id", flat=True)


def _public_review(review_id) -> dict | None:
    return (
        Review.objects.filter(pk=review_id, moderation_status=ModerationStatus.APPROVED, user__is_active=True)
        .values("user_id", "movie_id", "by_critic")
        .first()
    )


def review_fan_out(*, review_id) -> dict:
    """Plan the batches of a new review's fan-out (each an outbox message). Returns
    `{kind: batches}`; nothing when the review is no longer public."""
    review = _public_review(review_id)
    if review is None:
        return {}
    kinds = [Kind.FOLLOWED_USER_REVIEWED]
    if review["by_critic"]:
        kinds.insert(0, Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC)
    size = settings.NOTIFICATIONS_FANOUT_BATCH_SIZE
    planned = {}
    for kind in kinds:
        ids = [str(user_id) for user_id in _source(kind, review)]
        for start in range(0, len(ids), size):
            after = ids[start - 1] if start else None
            upto = ids[min(start + size, len(ids)) - 1]
            outbox_enqueue(
                task=BATCH_TASK, kwargs={"review_id": str(review_id), "kind": str(kind), "after": after, "upto": upto}
            )
        planned[str(kind)] = -(-len(ids) // size)
    return planned


# A critic's review reaches a follower who watch-lists the title as the watchlist kind instead
# (unless they muted that kind), so each recipient gets one notification per review.
_BATCH_SQL = {
    Kind.FOLLOWED_USER_REVIEWED: """
SELECT f.follower_id FROM user_follows f
WHERE f.following_id = %(author)s AND f.follower_id > %(after)s AND f.follower_id <= %(upto)s
  AND NOT (%(by_critic)s
           AND EXISTS (SELECT 1 FROM user_watchlist w WHERE w.user_id = f.follower_id AND w.movie_id = %(movie)s)
           AND NOT EXISTS (SELECT 1 FROM notification_preferences m WHERE m.user_id = f.follower_id
                           AND m.kind = 'watchlist_title_reviewed_by_critic' AND NOT m.in_app))
""",
    Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC: """
SELECT w.user_id FROM user_watchlist w
WHERE w.movie_id = %(movie)s AND w.user_id <> %(author)s AND w.user_id > %(after)s AND w.user_id <= %(upto)s
""",
}

_BATCH_INSERT = """
INSERT INTO notifications (id, recipient_id, kind, actor_id, review_id, count, data, created_at, updated_at)
SELECT gen_random_uuid(), r.user_id, %(kind)s, %(author)s, %(review)s, 1, '{{}}', now(), now()
FROM ({recipients}) AS r (user_id)
JOIN users u ON u.id = r.user_id AND u.is_active
WHERE NOT EXISTS (SELECT 1 FROM notification_preferences p
                  WHERE p.user_id = r.user_id AND p.kind = %(kind)s AND NOT p.in_app)
ON CONFLICT DO NOTHING
RETURNING recipient_id, id
"""


@transaction.atomic
def review_fan_out_batch(*, review_id, kind: str, after: str | None, upto: str) -> int:
    """Write the notifications of one batch (recipients with ids in (after, upto]); returns how many
    were new. The review must still be public; rows already written are skipped."""
    review = _public_review(review_id)
    if review is None:
        return 0
    sql = _BATCH_INSERT.format(recipients=_BATCH_SQL[Kind(kind)])
    params = {
        "kind": kind,
        "author": review["user_id"],
        "review": review_id,
        "movie": review["movie_id"],
        "by_critic": review["by_critic"],
        "after": after or "00000000-0000-0000-0000-000000000000",
        "upto": upto,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    live.push_new_on_commit(written)
    return len(written)
