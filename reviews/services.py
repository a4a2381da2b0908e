"""Every write to reviews and votes, with the movie/user aggregates kept exact in the same transaction.

Lock order, everywhere: movie → review → vote → user. Aggregate columns change only through
`reviews.aggregates` (`F(column) + delta`), never by reading a value into Python and writing it
back. After the transaction commits, the movie's cached detail is invalidated and
`reviews.signals.review_changed` is sent.
"""

import logging
from functools import partial
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from accounts.models import Role, User
from catalog.cache import movie_invalidate
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, Conflict, NotFound
from lemonnpie.db.locking import locked_atomic
from lemonnpie.metrics import REVIEWS, VOTES
from reviews import aggregates, rules
from reviews.models import RATING_FIELDS, ModerationStatus, Review, ReviewVote, VoteType
from reviews.signals import review_changed
from reviews.tags import normalize_tags, tag_error_details

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    *RATING_FIELDS,
    "review_text",
    "review_language",
    "spoiler_warning",
    "nollywood_tags",
)
_STATE_FIELDS = (*RATING_FIELDS, "moderation_status", "by_critic")


class PermissionDenied(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, error="permission_denied", status=403)


def _state(review) -> SimpleNamespace:
    """The fields that decide a review's contribution to aggregates, frozen before a change."""
    return SimpleNamespace(**{field: getattr(review, field) for field in _STATE_FIELDS})


def _lock_movie(movie_id) -> bool:
    """Lock the movie row (the first lock of every aggregate writer); False when it does not exist."""
    return bool(list(Movie.objects.select_for_update(no_key=True).filter(pk=movie_id).values_list("pk", flat=True)))


def _lock_review(review_id, *, for_delete: bool = False) -> Review | None:
    return Review.objects.select_for_update(no_key=not for_delete).filter(pk=review_id).first()


def review_lock(*, review_id) -> Review:
    """Lock a review the way every aggregate writer does — its movie row first, then the review
    (FOR NO KEY UPDATE) — for other apps' writes on a review (moderation). Call it inside
    `locked_atomic()`, so a busy review is a 409 rather than a long wait; 404 when unknown."""
    movie_id = Review.objects.filter(pk=review_id).values_list("movie_id", flat=True).first()
    review = _lock_review(review_id) if movie_id is not None and _lock_movie(movie_id) else None
    if review is None:
        raise NotFound("No review with this id.")
    return review


def _author_is_critic(user_id) -> bool:
    # Read after the movie lock: a role change committed before it is always seen.
    return User.objects.filter(pk=user_id, role=Role.CRITIC).exists()


def _after_commit(*, review_id, user_id, movie_id, action: str, movie_changed: bool) -> None:
    def run():
        REVIEWS.labels(action=action).inc()
        if movie_changed:
            movie_invalidate(movie_id)
        for receiver, result in review_changed.send_robust(
            sender=Review, review_id=review_id, user_id=user_id, movie_id=movie_id, action=action
        ):
            if isinstance(result, Exception):
                logger.error("review_changed receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(run)


def _is_unique_violation(exc: IntegrityError, constraint: str) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint


def _clean(fields: dict, *, service: str) -> dict:
    """Refuse fields the services do not set; store tags as their normalised slugs."""
    unknown = {key for key in fields if key not in EDITABLE_FIELDS}
    if unknown:
        raise ValueError(f"{service} got fields it does not set: {sorted(unknown)}")
    if "nollywood_tags" in fields:
        tags, errors = normalize_tags(fields["nollywood_tags"] or [])
        if errors:
            raise ApplicationError("Invalid tags.", error="validation_error", details=tag_error_details(errors))
        fields = {**fields, "nollywood_tags": tags}
    return fields


def review_create(*, user, movie_id, **fields) -> Review:
    """Create an approved review and add it to the movie's and the author's aggregates.

    Unknown movie → 400 `validation_error`; a second review of the same movie → 409."""
    fields = _clean(fields, service="review_create")
    with locked_atomic():
        if not _lock_movie(movie_id):
            raise ApplicationError(
                "Unknown movie.",
                error="validation_error",
                details=[{"field": "movie_id", "message": "No movie with this id exists."}],
            )
        review = Review(
            user_id=user.pk,
            movie_id=movie_id,
            moderation_status=ModerationStatus.APPROVED,
            by_critic=_author_is_critic(user.pk),
            **fields,
        )
        try:
            with transaction.atomic():  # savepoint: a duplicate must not poison the transaction
                review.save(force_insert=True)
        except IntegrityError as exc:
            if _is_unique_violation(exc, "reviews_one_per_user_movie"):
                raise Conflict("You have already reviewed this movie.") from exc
            raise
        changed = aggregates.apply_review_change(movie_id=movie_id, user_id=user.pk, before=None, after=review)
        _after_commit(review_id=review.pk, user_id=user.pk, movie_id=movie_id, action="created", movie_changed=changed)
    return review


def review_update(*, review: Review, actor, **fields) -> Review:
    """Apply a partial edit by the review's author; aggregates move by (new - old) contributions."""
    fields = _clean(fields, service="review_update")
    with locked_atomic():
        _lock_movie(review.movie_id)
        locked = _lock_review(review.pk)
        if locked is None:
            raise NotFound("Review not found.")
        if not rules.can_edit(actor, locked):
            raise PermissionDenied(rules.EDIT_REFUSED)
        changed_fields = [name for name, value in fields.items() if getattr(locked, name) != value]
        before = _state(locked)
        for name in changed_fields:
            setattr(locked, name, fields[name])
        if aggregates.is_counted(locked):
            critic = _author_is_critic(locked.user_id)
            if critic != locked.by_critic:
                locked.by_critic = critic
                changed_fields.append("by_critic")
        if not changed_fields:
            return locked
        locked.save(update_fields=[*changed_fields, "updated_at"])
        movie_changed = aggregates.apply_review_change(
            movie_id=locked.movie_id, user_id=locked.user_id, before=before, after=locked
        )
        _after_commit(
            review_id=locked.pk,
            user_id=locked.user_id,
            movie_id=locked.movie_id,
            action="updated",
            movie_changed=movie_changed,
        )
    return locked


def review_delete(*, review: Review, actor) -> None:
    """Delete a review (its author, a moderator or an admin) and take it out of every aggregate."""
    with locked_atomic():
        _lock_movie(review.movie_id)
        locked = _lock_review(review.pk, for_delete=True)
        if locked is None:
            raise NotFound("Review not found.")
        if not rules.can_delete(actor, locked):
            raise PermissionDenied(rules.DELETE_REFUSED)
        movie_changed = aggregates.apply_review_change(
            movie_id=locked.movie_id, user_id=locked.user_id, before=_state(locked), after=None
        )
        review_id = locked.pk
        locked.delete()  # its votes go with it (ON DELETE CASCADE through the ORM collector)
        _after_commit(
            review_id=review_id,
            user_id=locked.user_id,
            movie_id=locked.movie_id,
            action="deleted",
            movie_changed=movie_changed,
        )


def review_moderate(*, review: Review, status: str, actor=None) -> Review:
    """Move a review between approved / pending / rejected; it counts in aggregates only while approved.

    Idempotent: moving a review to the status it already has changes nothing and sends nothing.
    `actor` is recorded by the caller (moderation's audit log); this service does not check roles."""
    if status not in ModerationStatus.values:
        raise ApplicationError(
            "Unknown moderation status.",
            error="validation_error",
            details=[{"field": "status", "message": f"Must be one of {', '.join(ModerationStatus.values)}."}],
        )
    with locked_atomic():
        _lock_movie(review.movie_id)
        locked = _lock_review(review.pk)
        if locked is None:
            raise NotFound("Review not found.")
        if locked.moderation_status == status:
            return locked
        before = _state(locked)
        locked.moderation_status = status
        update_fields = ["moderation_status", "updated_at"]
        if status == ModerationStatus.APPROVED:
            locked.by_critic = _author_is_critic(locked.user_id)
            update_fields.append("by_critic")
        locked.save(update_fields=update_fields)
        movie_changed = aggregates.apply_review_change(
            movie_id=locked.movie_id, user_id=locked.user_id, before=before, after=locked
        )
        _after_commit(
            review_id=locked.pk,
            user_id=locked.user_id,
            movie_id=locked.movie_id,
            action="restored" if status == ModerationStatus.APPROVED else "hidden",
            movie_changed=movie_changed,
        )
    return locked


def review_author_role_sync(*, user) -> int:
    """Re-align the critic score of every movie `user` reviewed with the user's current role.

    Call it after a role change commits (to or from `critic`); returns how many reviews moved."""
    is_critic = User.objects.filter(pk=user.pk, role=Role.CRITIC).exists()
    movie_ids = sorted(
        Review.objects.filter(user_id=user.pk).exclude(by_critic=is_critic).values_list("movie_id", flat=True)
    )
    moved = 0
    for movie_id in movie_ids:  # one short transaction per movie, movie lock first as everywhere
        with locked_atomic():
            _lock_movie(movie_id)
            locked = Review.objects.select_for_update(no_key=True).filter(user_id=user.pk, movie_id=movie_id).first()
            critic = _author_is_critic(user.pk)
            if locked is None or locked.by_critic == critic:
                continue
            before = _state(locked)
            locked.by_critic = critic
            locked.save(update_fields=["by_critic"])
            movie_changed = aggregates.apply_review_change(
                movie_id=movie_id, user_id=user.pk, before=before, after=locked
            )
            moved += 1
            if movie_changed:
                transaction.on_commit(partial(movie_invalidate, movie_id))
    return moved


# --- votes -------------------------------------------------------------------------------------

_VOTE_COLUMN: dict[str, str] = {VoteType.HELPFUL: "helpful_votes", VoteType.UNHELPFUL: "unhelpful_votes"}


def _lock_votable_review(review_id):
    """Lock the review row (votes serialize per review, review before vote) and return its author
    and status, or None."""
    return (
        Review.objects.select_for_update(no_key=True)
        .filter(pk=review_id)
        .values("user_id", "moderation_status")
        .first()
    )


def _count_vote(action: str) -> None:
    """`lemonnpie_review_votes_total{action}` once the vote is committed."""
    transaction.on_commit(lambda: VOTES.labels(action=action).inc())


def _move_vote_counters(review_id, changes: dict[str, int]) -> None:
    if changes:
        Review.objects.filter(pk=review_id).update(**{col: F(col) + n for col, n in changes.items()})


def review_vote(*, review: Review, user, vote_type: str) -> str | None:
    """Record `user`'s helpful/unhelpful vote. Idempotent; a different vote moves the count over.

    Returns the previous vote type (None when there was none). Own review → 400 `bad_request`;
    a hidden or deleted review → 404."""
    if vote_type not in _VOTE_COLUMN:
        raise ApplicationError(
            "Unknown vote type.",
            error="validation_error",
            details=[{"field": "vote_type", "message": "Must be helpful or unhelpful."}],
        )
    table = ReviewVote._meta.db_table
    with locked_atomic():
        target = _lock_votable_review(review.pk)
        if target is None or target["moderation_status"] != ModerationStatus.APPROVED:
            raise NotFound("Review not found.")
        if target["user_id"] == user.pk:
            raise ApplicationError("You cannot vote on your own review.", error="bad_request", status=400)
        with connection.cursor() as cursor:
            # ON CONFLICT keeps the unique (user, review) constraint the last word on idempotency;
            # a new vote and its counter move in one statement (one round trip).
            column = _VOTE_COLUMN[vote_type]
            cursor.execute(
                f"WITH inserted AS (INSERT INTO {table} (user_id, review_id, vote_type, created_at) "  # noqa: S608 (names from model meta)
                "VALUES (%s, %s, %s, now()) ON CONFLICT (user_id, review_id) DO NOTHING RETURNING id) "
                f"UPDATE {Review._meta.db_table} SET {column} = {column} + 1 "
                "WHERE id = %s AND EXISTS (SELECT 1 FROM inserted) RETURNING id",
                [user.pk, review.pk, vote_type, review.pk],
            )
            if cursor.fetchone() is not None:
                _count_vote("cast")
                return None
            cursor.execute(
                f"SELECT vote_type FROM {table} WHERE user_id = %s AND review_id = %s FOR UPDATE",  # noqa: S608
                [user.pk, review.pk],
            )
            previous = cursor.fetchone()[0]
            if previous != vote_type:
                cursor.execute(
                    f"UPDATE {table} SET vote_type = %s WHERE user_id = %s AND review_id = %s",  # noqa: S608
                    [vote_type, user.pk, review.pk],
                )
                _move_vote_counters(review.pk, {_VOTE_COLUMN[previous]: -1, _VOTE_COLUMN[vote_type]: 1})
                _count_vote("changed")
    return previous


def review_unvote(*, review: Review, user) -> str | None:
    """Remove `user`'s vote if there is one (idempotent); returns the removed vote type."""
    table = ReviewVote._meta.db_table
    with locked_atomic():
        if _lock_votable_review(review.pk) is None:
            raise NotFound("Review not found.")
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE user_id = %s AND review_id = %s RETURNING vote_type",  # noqa: S608
                [user.pk, review.pk],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        _move_vote_counters(review.pk, {_VOTE_COLUMN[row[0]]: -1})
        _count_vote("removed")
    return row[0]


# --- rows removed by cascades --------------------------------------------------------------------


def user_content_remove(*, user) -> None:
    """Before a user row is deleted (its reviews and votes would cascade away uncounted): delete
    their reviews and withdraw their votes through the services, so every aggregate stays exact."""
    for review in Review.objects.filter(user_id=user.pk).order_by("movie_id", "id").only("pk", "movie_id"):
        review_delete(review=review, actor=user)
    for review in Review.objects.filter(votes__user_id=user.pk).order_by("id").only("pk", "movie_id"):
        review_unvote(review=review, user=user)


def movie_reviews_detach(*, movie_id) -> None:
    """Before a movie row is deleted (its reviews cascade): take those reviews out of their
    authors' counters, in SQL, users locked in key order."""
    with locked_atomic():
        _lock_movie(movie_id)
        approved = Review.objects.filter(movie_id=movie_id, moderation_status=ModerationStatus.APPROVED)
        reviews = list(approved.order_by("user_id").values_list("pk", "user_id"))
        if not reviews:
            return
        list(
            User.objects.select_for_update(no_key=True)
            .filter(pk__in=[user_id for _, user_id in reviews])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # One review per (user, movie): each author loses exactly that review's contribution.
        withdraw = ", ".join(
            f"{term.column} = users.{term.column} - {term.row_sql('r', aggregates.CRITIC_SQL)}"
            for term in aggregates.USER_RECIPE
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE users SET {withdraw} FROM reviews r "  # noqa: S608 (SQL from the recipe's fixed column names)
                "WHERE r.user_id = users.id AND r.movie_id = %s AND r.moderation_status = %s",
                [movie_id, ModerationStatus.APPROVED],
            )
        for review_id, user_id in reviews:
            _after_commit(
                review_id=review_id, user_id=user_id, movie_id=movie_id, action="deleted", movie_changed=False
            )
