from django.db import models
from django.db.models import OuterRef, Subquery, Value


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        """Only approved reviews exist for the public."""
        return self.filter(moderation_status="approved")

    def with_user_vote(self, user):
        """Annotate `user_vote` (the caller's vote type or None) in the same query."""
        if user is None or not user.is_authenticated:
            return self.annotate(user_vote=Value(None, output_field=models.CharField()))
        from reviews.models import ReviewVote

        vote = ReviewVote.objects.filter(review=OuterRef("pk"), user=user).values("vote_type")[:1]
        return self.annotate(user_vote=Subquery(vote))

    def for_display(self, user=None):
        return self.select_related("user", "movie").with_user_vote(user)
