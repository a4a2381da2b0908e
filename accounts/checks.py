"""System checks for the simplejwt traps that fail silently rather than loudly.

Without `token_blacklist` in INSTALLED_APPS its models are abstract and `blacklist()` quietly does
nothing, so a rotated or logged-out refresh token would keep working. `manage.py check` catches
that; unapplied blacklist migrations are reported by Django itself (and the suite asserts the tables).
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

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


MIN_SIGNING_KEY_LENGTH = 32  # HS256: at least 256 bits of key (RFC 7518 §3.2)


@register(Tags.security, deploy=True)
def check_signing_key_strength(app_configs=None, **kwargs):
    """The JWT HMAC key (JWT_SIGNING_KEY, else SECRET_KEY) is long and varied enough to resist
    brute force; this is what CVE-2025-45768 (a disputed PyJWT advisory) is about."""
    jwt = getattr(settings, "SIMPLE_JWT", {})
    if not str(jwt.get("ALGORITHM", "HS256")).startswith("HS"):
        return []  # an asymmetric key: its strength is not a matter of length
    key = jwt.get("SIGNING_KEY") or ""
    if len(key) < MIN_SIGNING_KEY_LENGTH or len(set(key)) < 5:
        return [
            Warning(
                f"The JWT signing key is shorter than {MIN_SIGNING_KEY_LENGTH} characters or barely varied, "
                "so access tokens could be forged by brute force.",
                hint="Set JWT_SIGNING_KEY (or SECRET_KEY) to a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
                id="accounts.W001",
            )
        ]
    return []
