import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User

DEFAULT_PASSWORD = "Jollof-and-plantain-2026"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.ng")
    name = factory.Faker("name")
    bio = factory.Faker("sentence")
    location = "Lagos"
    role = Role.USER
    is_verified = True
    password = factory.django.Password(DEFAULT_PASSWORD)


class CriticFactory(UserFactory):
    role = Role.CRITIC


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR


class AdminFactory(UserFactory):
    role = Role.ADMIN
