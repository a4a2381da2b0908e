"""Tokens: the JWT pair of a session, and the signed one-segment tokens mailed in links.

A session is one sign-in. Its refresh tokens (each rotation makes a new one) and every access
token minted from them share the `sid` claim; `auth_time` (the sign-in time) caps how long rotation
can keep a session alive. `ver` is the user's `token_version` when the token was minted.
"""

import base64
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

SESSION_CLAIM = "sid"
VERSION_CLAIM = "ver"
AUTH_TIME_CLAIM = "auth_time"


def session_max_age() -> timedelta:
    """Absolute lifetime of a sign-in: rotation never extends a session past it (ASVS 3.3.2)."""
    return getattr(settings, "AUTH_SESSION_MAX_AGE", timedelta(days=30))


class SessionRefreshToken(RefreshToken):
    """A refresh token that carries the session claims; access tokens copy them."""

    @classmethod
    def for_session(cls, user: User, *, sid: str | None = None, auth_time: int | None = None) -> "SessionRefreshToken":
        """Mint (and record as outstanding) a refresh token of `user` for session `sid`."""
        token = cls()
        token[jwt_settings.USER_ID_CLAIM] = str(user.pk)
        token["email"] = user.email
        token["role"] = user.role
        token[VERSION_CLAIM] = user.token_version
        token[SESSION_CLAIM] = sid or uuid.uuid4().hex
        token[AUTH_TIME_CLAIM] = auth_time if auth_time is not None else token["iat"]
        session_end = token[AUTH_TIME_CLAIM] + int(session_max_age().total_seconds())
        token["exp"] = min(token["exp"], session_end)
        OutstandingToken.objects.create(
            user=user,
            jti=token[jwt_settings.JTI_CLAIM],
            token=str(token),
            created_at=token.current_time,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token


def token_pair(refresh: SessionRefreshToken) -> dict:
    """The pair and when each token expires (the `exp` claims as datetimes), so a client schedules
    its refresh without decoding the JWT."""
    access = refresh.access_token
    access["exp"] = min(access["exp"], refresh["exp"])  # never outlive the session
    return {
        "access": str(access),
        "refresh": str(refresh),
        "access_expires_at": datetime_from_epoch(access["exp"]),
        "refresh_expires_at": datetime_from_epoch(refresh["exp"]),
    }


def session_of(token) -> str | None:
    """The `sid` claim of a validated token, as a hex string, or None (tokens minted elsewhere)."""
    raw = token.get(SESSION_CLAIM) if token is not None else None
    try:
        return uuid.UUID(str(raw)).hex if raw else None
    except ValueError:
        return None


# --- Link tokens (email verification, password reset) ---------------------------------------


class LinkToken:
    """A signed, expiring, single-use token that fits in one URL path segment.

    Shape: `<user id hex>.<state>:<timestamp>:<signature>` (letters, digits, `_-.:`). `state` is an
    HMAC over the parts of the user row that the action changes, so the token dies as soon as it
    is used (or anything it depends on changes) — nothing needs to be stored.
    """

    salt: str = ""
    max_age: timedelta = timedelta(hours=1)

    def state(self, user: User) -> str:
        raise NotImplementedError

    def _digest(self, user: User) -> str:
        mac = salted_hmac(f"{self.salt}.state", self.state(user), algorithm="sha256").digest()
        return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")

    def _signer(self) -> signing.TimestampSigner:
        return signing.TimestampSigner(salt=self.salt, algorithm="sha256")

    def make(self, user: User) -> str:
        return self._signer().sign(f"{user.pk.hex}.{self._digest(user)}")

    def user_id(self, token: str) -> uuid.UUID | None:
        """The user a well-signed, unexpired token names; None for any bad token."""
        try:
            value = self._signer().unsign(token, max_age=self.max_age)
            user_hex, _, _digest = value.partition(".")
            return uuid.UUID(hex=user_hex)
        except (signing.BadSignature, ValueError):
            return None

    def matches(self, user: User, token: str) -> bool:
        """Whether `token` is still good for `user` as the row is now (call it on a locked row)."""
        try:
            value = self._signer().unsign(token, max_age=self.max_age)
        except signing.BadSignature:
            return False
        user_hex, _, digest = value.partition(".")
        return constant_time_compare(user_hex, user.pk.hex) and constant_time_compare(digest, self._digest(user))


class EmailVerificationToken(LinkToken):
    salt = "accounts.verify-email"
    max_age = timedelta(hours=48)

    def state(self, user: User) -> str:
        return f"{user.email}|{user.is_verified}"


class PasswordResetToken(LinkToken):
    """Dies after any password change (the hash is in the state) and after a new sign-in."""

    salt = "accounts.reset-password"
    max_age = timedelta(hours=1)

    def state(self, user: User) -> str:
        last_login = user.last_login.replace(microsecond=0, tzinfo=None) if user.last_login else ""
        return f"{user.password}|{last_login}|{user.email}|{user.is_active}"


email_verification_token = EmailVerificationToken()
password_reset_token = PasswordResetToken()
