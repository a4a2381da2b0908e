"""Project-wide fixtures: API clients signed in as each role, a clean cache per test, eager Celery."""

import os

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import AdminFactory, CriticFactory, ModeratorFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """`LEMONNPIE_TEST_DB_SUFFIX`: test databases of their own (`test_<name>_<suffix>`), for a
    pytest run beside another on the same server (`bin/test` runs the schema fuzz so)."""
    suffix = os.environ.get("LEMONNPIE_TEST_DB_SUFFIX")
    if suffix:
        from pytest_django.fixtures import _set_suffix_to_test_databases

        _set_suffix_to_test_databases(suffix)


@pytest.fixture(autouse=True, scope="session")
def _request_metrics_registered():
    """django-prometheus registers its request metrics when the first middleware chain loads,
    without a lock: a test whose first requests come from many threads at once (the concurrency
    tests, run on their own) would register them twice. A server loads the chain once, at start."""
    from django_prometheus.middleware import Metrics

    Metrics.get_instance()


@pytest.fixture(autouse=True)
def _clean_caches():
    for alias in ("default", "security"):
        cache = caches[alias]
        if hasattr(cache, "delete_pattern"):
            cache.delete_pattern("*")
        else:
            cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from lemonnpie.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.user = user
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def critic(db):
    return CriticFactory()


@pytest.fixture
def moderator(db):
    return ModeratorFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def auth_client(user):
    return client_for(user)


@pytest.fixture
def other_client(other_user):
    return client_for(other_user)


@pytest.fixture
def critic_client(critic):
    return client_for(critic)


@pytest.fixture
def moderator_client(moderator):
    return client_for(moderator)


@pytest.fixture
def admin_client_api(admin_user):
    return client_for(admin_user)
