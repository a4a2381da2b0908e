from django.db import models
from django.db.models import OuterRef, Subquery, Value

# Public `ordering` names → columns. `helpfulness` is the stored Wilson lower bound of
# helpful / (helpful + unhelpful), with the raw helpful count breaking ties.
ORDERINGS = {
    "created_at": ("created_at",),
    "lemon_pie_rating": ("lemon_pie_rating",),
    "helpfulness": ("helpfulness_wilson", "helpful_votes"),
}
DEFAULT_ORDERING = "-created_at"


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
        """Everything the Review shape reads, in one query: author, movie (without its heavy
        text columns) and the caller's vote."""
        return (
            self.select_related("user", "movie")
            .defer("movie__search_vector", "movie__plot_summary")
            .with_user_vote(user)
        )

    def with_tag(self, tag: str):
        """Reviews carrying the (already normalised) tag; served by the GIN index."""
        return self.filter(nollywood_tags__contains=[tag])

    def ordered(self, ordering: str | None = None):
        """Order by a public ordering name (`-` for descending), newest first by default, with
        stable tie-breakers so pages never overlap. Unknown names raise ValueError."""
        ordering = ordering or DEFAULT_ORDERING
        descending = ordering.startswith("-")
        name = ordering.lstrip("-")
        if name not in ORDERINGS:
            raise ValueError(name)
        prefix = "-" if descending else ""
        columns = [f"{prefix}{column}" for column in ORDERINGS[name]]
        if name == "created_at":
            # (created_at DESC, id ASC) and its exact reverse are both one index scan.
            return self.order_by(*columns, "id" if descending else "-id")
        return self.order_by(*columns, "-created_at", "id")

    def most_helpful(self):
        return self.ordered("-helpfulness")
