"""Fixtures of the schema fuzz: real rows, signed-in identities, wide-open throttles, one savepoint
per generated case, and a tally printed at the end of the run (the README's figures)."""

from collections import Counter

import pytest
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework import throttling
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lemonnpie.tests.fuzz import seed

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

TALLY = {"operations": set(), "cases": Counter(), "statuses": Counter(), "failures": 0, "null_bodies": 0}


@pytest.fixture
def fuzz(db, monkeypatch, django_capture_on_commit_callbacks):
    """`fuzz(case, identity)`: send one generated case as `anonymous`, `user` or `admin` and run the checks.

    Each case runs inside a savepoint that is rolled back afterwards (and the default cache is emptied),
    so every case starts from the same seeded rows whatever the cases before it created or deleted.
    `transaction.on_commit` callbacks (mails, cache invalidation, signals) run, as they would in production.
    """
    for scope in list(throttling.SimpleRateThrottle.THROTTLE_RATES):
        # The dict DRF's throttles were bound to at import (also read by the auth throttles).
        monkeypatch.setitem(throttling.SimpleRateThrottle.THROTTLE_RATES, scope, "1000000/min")
    # The WSGI handler closes "old" connections around each request, which would end the test's
    # transaction; Django's own test client disconnects the same receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    users = seed.seed_database()
    tokens = {name: str(RefreshToken.for_user(users[name]).access_token) for name in ("user", "admin")}

    def run(case, identity: str):
        # The in-process WSGI transport hands the body over as sent and never undoes gzip (a real
        # client does; compression has its own tests in lemonnpie/tests/test_http_cache.py).
        headers = {"Accept-Encoding": "identity"}
        if identity in tokens:
            headers["Authorization"] = f"Bearer {tokens[identity]}"
        savepoint = transaction.savepoint()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                response = case.call(headers=headers)
            TALLY["operations"].add(case.operation.label)
            TALLY["cases"][identity] += 1
            if isinstance(case.body, dict) and None in case.body.values():
                TALLY["null_bodies"] += 1  # optional fields are nullable in the schema (API.md §1)
            TALLY["statuses"][(identity, response.status_code)] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception:
                TALLY["failures"] += 1
                raise
        finally:
            transaction.savepoint_rollback(savepoint)
            _empty(caches["default"])

    yield run
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _empty(cache) -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def pytest_terminal_summary(terminalreporter):
    if not TALLY["cases"]:
        return
    cases = TALLY["cases"]
    by_identity = {}
    for (identity, status), count in sorted(TALLY["statuses"].items()):
        by_identity.setdefault(identity, []).append(f"{status}: {count}")
    terminalreporter.write_sep("=", "schema fuzz")
    terminalreporter.write_line(
        f"{len(TALLY['operations'])} operations, {sum(cases.values())} cases "
        f"({', '.join(f'{who} {count}' for who, count in sorted(cases.items()))}), "
        f"{TALLY['failures']} failing checks; {TALLY['null_bodies']} bodies sent null for a field"
    )
    for identity, statuses in by_identity.items():
        terminalreporter.write_line(f"statuses as {identity}: {', '.join(statuses)}")
