from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from moderation.models import AuditAction, AuditLogEntry

pytestmark = pytest.mark.django_db


def test_promote_sets_role_group_and_audits(user):
    call_command("promote", user.email.upper(), "--role", "moderator", stdout=StringIO())
    user.refresh_from_db()
    assert user.role == Role.MODERATOR and user.groups.filter(name="Moderators").exists()
    assert AuditLogEntry.objects.get().action == AuditAction.ROLE_CHANGED


def test_suspend_and_lift(user):
    call_command("suspend", user.email, "--reason", "spam", stdout=StringIO())
    user.refresh_from_db()
    assert not user.is_active
    call_command("suspend", user.email, "--reason", "appeal", "--lift", stdout=StringIO())
    user.refresh_from_db()
    assert user.is_active


def test_unknown_email_is_a_clear_error():
    with pytest.raises(CommandError, match="No user"):
        call_command("promote", "nobody@example.ng", "--role", "admin")
