import json
import logging

import pytest

from lemonnpie.middleware import JSONLogFormatter, RequestIDLogFilter

pytestmark = pytest.mark.django_db


def test_access_log_line_has_request_fields_and_no_secrets(caplog, auth_client, user):
    with caplog.at_level(logging.INFO, logger="lemonnpie.access"):
        auth_client.get("/health/?token=sekrit-token", HTTP_X_REQUEST_ID="req-42")
    record = next(r for r in caplog.records if r.name == "lemonnpie.access")
    assert (record.method, record.path, record.status) == ("GET", "/health/", 200)
    assert record.duration_ms >= 0
    RequestIDLogFilter().filter(record)
    line = JSONLogFormatter().format(record)
    entry = json.loads(line)
    assert entry["path"] == "/health/" and entry["status"] == 200
    assert "sekrit-token" not in line and "Bearer" not in line


def test_access_log_names_the_jwt_user(caplog, auth_client, user):
    with caplog.at_level(logging.INFO, logger="lemonnpie.access"):
        auth_client.get("/api/v1/admin/dashboard")
    record = next(r for r in caplog.records if r.name == "lemonnpie.access")
    assert record.user_id == str(user.pk) and record.status == 403
