from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.backends import LockoutModelBackend
from accounts.models import RevokedSession
from accounts.services import sessions_purge_expired
from accounts.tasks import purge_expired_sessions
from accounts.tests.conftest import bearer, sign_in
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_purge_drops_only_what_can_no_longer_matter(user, clock):
    old = sign_in(user)
    bearer(old["access"]).post("/api/v1/auth/logout", {"refresh": old["refresh"]}, format="json")
    clock.shift(timedelta(days=8))
    live = sign_in(user)
    bearer(live["access"]).post("/api/v1/auth/logout", {"refresh": live["refresh"]}, format="json")
    current = sign_in(user)

    tokens, sessions = sessions_purge_expired()

    # The first session's token row (and its blacklist row) and its revocation are gone ...
    assert tokens == 2 and sessions == 1
    # ... the recent revocation and the live tokens stay and still do their work.
    assert RevokedSession.objects.count() == 1 and BlacklistedToken.objects.count() == 1
    assert bearer(live["access"]).get("/api/v1/users/profile").status_code == 401
    assert APIClient().post("/api/v1/auth/refresh", {"refresh": current["refresh"]}).status_code == 200
    assert OutstandingToken.objects.filter(user=user).count() == 3  # live, current, current rotated


def test_purge_task_and_command(user, clock):
    sign_in(user)
    clock.shift(timedelta(days=8))
    assert purge_expired_sessions.delay().get() == {"tokens": 1, "sessions": 0}
    out = StringIO()
    call_command("purge_sessions", stdout=out)
    assert "Deleted 0 token row(s)" in out.getvalue()


def test_purge_runs_daily_on_celery_beat():
    from lemonnpie.celery import app

    entry = app.conf.beat_schedule["accounts-purge-expired-sessions"]  # settings.CELERY_BEAT_SCHEDULE
    assert entry["task"] == "accounts.tasks.purge_expired_sessions"
    assert timedelta(seconds=entry["schedule"]) == timedelta(hours=24)


def test_admin_backend_honours_the_per_address_throttle(user, throttle_rates):
    throttle_rates(login_failures="2/5min")
    backend = LockoutModelBackend()
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="192.0.2.10")
    assert backend.authenticate(request, username="ghost@example.ng", password="x") is None
    assert backend.authenticate(request, username="ghost2@example.ng", password="x") is None
    assert backend.authenticate(request, username=user.email, password=DEFAULT_PASSWORD) is None
    other = RequestFactory().post("/admin/login/", REMOTE_ADDR="192.0.2.11")
    assert backend.authenticate(other, username=user.email, password=DEFAULT_PASSWORD) == user


def test_admin_backend_refuses_suspended_users_and_missing_credentials(user):
    backend = LockoutModelBackend()
    assert backend.authenticate(None, username=user.email, password=None) is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.authenticate(None, username=user.email, password=DEFAULT_PASSWORD) is None
