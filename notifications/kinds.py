"""The kinds of notification (also the keys of the preferences)."""

from django.db import models


class Kind(models.TextChoices):
    NEW_FOLLOWER = "new_follower", "New follower"
    REVIEW_VOTED = "review_voted", "Votes on your review"
    REVIEW_MODERATED = "review_moderated", "Your review was moderated"
    REPORT_DECIDED = "report_decided", "Your report was decided"
    FOLLOWED_USER_REVIEWED = "followed_user_reviewed", "Someone you follow reviewed a title"
    WATCHLIST_TITLE_REVIEWED_BY_CRITIC = (
        "watchlist_title_reviewed_by_critic",
        "A critic reviewed a title on your watchlist",
    )


# One notification per new review and recipient, whichever of these two kinds it is.
REVIEW_PUBLISHED_KINDS = (Kind.FOLLOWED_USER_REVIEWED, Kind.WATCHLIST_TITLE_REVIEWED_BY_CRITIC)
