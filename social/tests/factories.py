import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from social.models import FavoriteEntry, Follow, WatchlistEntry


class FollowFactory(DjangoModelFactory):
    """A follow row as stored. It does NOT touch the follow counters: tests of counters go through
    `social.services`, the only writer of those."""

    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    following = factory.SubFactory(UserFactory)


class WatchlistEntryFactory(DjangoModelFactory):
    class Meta:
        model = WatchlistEntry

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)


class FavoriteEntryFactory(DjangoModelFactory):
    class Meta:
        model = FavoriteEntry

    user = factory.SubFactory(UserFactory)
    movie = factory.SubFactory(MovieFactory)
