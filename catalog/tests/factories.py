import datetime

import factory
from factory.django import DjangoModelFactory

from catalog.models import CastRole, Movie, MovieCast, MovieGenre, MovieLanguage, MovieType


class MovieFactory(DjangoModelFactory):
    """A movie; pass `genres=[...]`, `languages=[...]`, `cast=[...]` (actor names) to add rows."""

    class Meta:
        model = Movie
        skip_postgeneration_save = True

    type = MovieType.MOVIE
    title = factory.Sequence(lambda n: f"Nollywood Title {n}")
    release_date = factory.Sequence(lambda n: datetime.date(2000 + n % 25, 1 + n % 12, 1 + n % 28))
    runtime = 110
    plot_summary = factory.Faker("paragraph")
    director = factory.Faker("name")
    producer = factory.Faker("name")
    production_company = "Lagos Pictures"
    production_state = "Lagos"

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        for genre in extracted or ["Drama"]:
            MovieGenre.objects.create(movie=self, genre=genre)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        for language in extracted or ["English"]:
            MovieLanguage.objects.create(movie=self, language=language)

    @factory.post_generation
    def cast(self, create, extracted, **kwargs):
        for position, name in enumerate(extracted or []):
            MovieCast.objects.create(movie=self, actor_name=name, role_type=CastRole.ACTOR, position=position)


class SeriesFactory(MovieFactory):
    type = MovieType.SERIES
