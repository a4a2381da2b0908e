"""System checks for the simplejwt traps that fail silently rather than loudly.

Without `token_blacklist` in INSTALLED_APPS its models are abstract and `blacklist()` quietly does
nothing, so a rotated or logged-out refresh token would keep working. `manage.py check` catches
that; unapplied blacklist migrations are reported by Django itself (and the suite asserts the tables).
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
AUTHENTICATION_CLASS = "accounts.authentication.JWTAuthentication"


@register(Tags.security)
def check_token_revocation(app_configs=None, **kwargs):
    errors = []
    if BLACKLIST_APP not in settings.INSTALLED_APPS:
        errors.append(
            Error(
                f"{BLACKLIST_APP} is not installed: refresh tokens could never be revoked.",
                hint=f"Add '{BLACKLIST_APP}' to INSTALLED_APPS and migrate.",
                id="accounts.E001",
            )
        )
    jwt = getattr(settings, "SIMPLE_JWT", {})
    if not (jwt.get("ROTATE_REFRESH_TOKENS") and jwt.get("BLACKLIST_AFTER_ROTATION")):
        errors.append(
            Error(
                "Refresh tokens must rotate and be blacklisted after rotation.",
                hint="Set SIMPLE_JWT ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION to True.",
                id="accounts.E002",
            )
        )
    classes = settings.REST_FRAMEWORK.get("DEFAULT_AUTHENTICATION_CLASSES", [])
    if AUTHENTICATION_CLASS not in classes:
        errors.append(
            Error(
                "The API does not authenticate with accounts.authentication.JWTAuthentication, so "
                "revoked sessions and token versions would not be enforced.",
                hint=f"Put '{AUTHENTICATION_CLASS}' in REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'].",
                id="accounts.E003",
            )
        )
    return errors
