import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from reviews.models import Review, ReviewVote, VoteType


class ReviewFactory(DjangoModelFactory):
    """A review row as stored. It does NOT touch movie/user aggregates: tests of aggregates go
    through `reviews.services`, which is the only writer of those counters."""

    class Meta:
        model = Review

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
    lemon_pie_rating = 8
    review_text = factory.Faker("paragraph")
    review_language = "en"
    cultural_authenticity_rating = 7
    production_quality_rating = 6
    story_rating = 8
    acting_rating = 9
    cinematography_rating = 7
    nollywood_tags = factory.LazyFunction(lambda: ["family-drama"])


class ReviewVoteFactory(DjangoModelFactory):
    class Meta:
        model = ReviewVote

    user = factory.SubFactory(UserFactory)
    review = factory.SubFactory(ReviewFactory)
    vote_type = VoteType.HELPFUL
