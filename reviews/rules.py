"""Who may do what to a review — the one place that decides. The services enforce these rules
(under the review's row lock); the API's permission classes ask the same functions first, so a
refusal is a 403 before any work."""

from accounts.models import Role
from lemonnpie.api.permissions import has_role

EDIT_REFUSED = "Only the author may edit this review."
DELETE_REFUSED = "Only the author, a moderator or an admin may delete this review."


def can_edit(user, review) -> bool:
    """Only the author edits a review (moderators decide on it through moderation instead)."""
    return review.user_id == getattr(user, "pk", None)


def can_delete(user, review) -> bool:
    """The author, a moderator or an admin deletes a review."""
    return can_edit(user, review) or has_role(user, Role.MODERATOR, Role.ADMIN)
