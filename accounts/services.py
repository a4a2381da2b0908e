"""Accounts: every write of registration, sign-in sessions, verification, passwords and profile.

Lock order everywhere: the user row (`SELECT ... FOR UPDATE`) before any token row. Sign-in, refresh
and "end every session" all take it, so a refresh in flight can never mint a token that a password
reset or a suspension running at the same moment would miss.
"""

import hashlib
import math
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import RevokedSession, User, UserManager
from accounts.tasks import send_templated_email
from accounts.throttles import WindowCounter
from accounts.tokens import (
    AUTH_TIME_CLAIM,
    SessionRefreshToken,
    email_verification_token,
    password_reset_token,
    session_of,
    token_pair,
)
from accounts.validators import password_problems
from lemonnpie.api.exceptions import ApplicationError, Conflict
from outbox.services import outbox_enqueue

PROFILE_FIELDS = ("name", "bio", "location", "avatar_url")


def lockout_attempts() -> int:
    return getattr(settings, "LOGIN_LOCKOUT_ATTEMPTS", 5)


def lockout_duration() -> timedelta:
    return getattr(settings, "LOGIN_LOCKOUT_DURATION", timedelta(minutes=15))


# --- Errors ---------------------------------------------------------------------------------


class InvalidCredentials(ApplicationError):
    def __init__(self):
        super().__init__("Invalid email or password.", error="authentication_failed", status=401)


def _account_locked(until) -> ApplicationError:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return ApplicationError(
        "Too many failed sign-in attempts. Try again later.",
        error="account_locked",
        status=403,
        headers={"Retry-After": str(seconds)},
    )


def _account_suspended() -> ApplicationError:
    return ApplicationError("This account is suspended.", error="account_suspended", status=403)


def _token_refused(message: str = "Token is invalid, expired or revoked.") -> ApplicationError:
    return ApplicationError(message, error="authentication_failed", status=401)


def _bad_link(message: str) -> ApplicationError:
    return ApplicationError(
        message, error="validation_error", status=400, details=[{"field": "token", "message": message}]
    )


def _password_rejected(problems: list[str], field: str) -> ApplicationError:
    details = [{"field": field, "message": problem} for problem in problems]
    return ApplicationError(f"{field}: {problems[0]}", error="validation_error", status=400, details=details)


# --- Helpers --------------------------------------------------------------------------------


def _lock_user(user_id) -> User | None:
    return User.objects.select_for_update().filter(pk=user_id).order_by().first()


def _mail_on_commit(*, to: str, subject: str, template: str, context: dict) -> None:
    """Queue a mail that carries no secret through the outbox: it goes out once this transaction
    commits, exactly once, even when the broker is down right now."""
    context = {**context, "frontend_url": settings.FRONTEND_URL}
    outbox_enqueue(
        task="accounts.tasks.send_templated_email",
        kwargs={"to": to, "subject": subject, "template": template, "context": context},
    )


def _mail_now(*, to: str, subject: str, template: str, context: dict) -> None:
    """Send a mail from inside a job (the worker): links with tokens are made and mailed there, so
    no token is ever stored, not even in the outbox."""
    send_templated_email.run(
        to=to, subject=subject, template=template, context={**context, "frontend_url": settings.FRONTEND_URL}
    )


def _new_password_checked(password: str, *, user: User, field: str) -> None:
    problems = password_problems(password, user=user)
    if problems:
        raise _password_rejected(problems, field)


def _record_failed_password(user: User, now) -> None:
    """On a locked row: count a wrong password; the Nth in a row locks the account."""
    user.login_attempts += 1
    if user.login_attempts >= lockout_attempts():
        user.locked_until = now + lockout_duration()
    user.save(update_fields=["login_attempts", "locked_until"])


@transaction.atomic
def _check_credentials(*, email: str, password: str) -> tuple[User | None, ApplicationError | None]:
    """Verify a password under the lockout rules. Returns (user, None) on success or (user|None,
    error); never raises, so a counted failure commits with the caller's transaction."""
    user = User.objects.select_for_update().filter(email=UserManager.normalize_email(email)).order_by().first()
    if user is None:
        # Same hashing work as for a real account, so response time does not reveal the address.
        User().set_password(password)
        return None, InvalidCredentials()
    now = timezone.now()
    if user.locked_until is not None and user.locked_until > now:
        return user, _account_locked(user.locked_until)
    counted = user.login_attempts != 0 or user.locked_until is not None
    if user.locked_until is not None:
        user.login_attempts, user.locked_until = 0, None  # the lock ran out: count afresh
    if not user.check_password(password):
        _record_failed_password(user, now)
        return user, InvalidCredentials()
    if not user.is_active:
        return user, _account_suspended()
    if counted:
        user.login_attempts, user.locked_until = 0, None
        user.save(update_fields=["login_attempts", "locked_until"])
    return user, None


# --- Registration and sign-in ---------------------------------------------------------------


@transaction.atomic
def user_register(*, email: str, password: str, name: str) -> tuple[User, dict[str, str]]:
    """Create an account (email unique case-insensitively), sign it in and mail a verification link.

    `password` must already have passed the validators (the serializer reports them per field)."""
    email = UserManager.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise Conflict("An account with this email address already exists.")
    user = User(email=email, name=name, last_login=timezone.now())
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent sign-up with the same address won the race
        raise Conflict("An account with this email address already exists.") from exc
    refresh = SessionRefreshToken.for_session(user)
    user_send_verification(user=user)
    return user, token_pair(refresh)


def user_authenticate(*, email: str, password: str) -> User:
    """The user whose credentials these are, under the lockout rules; raises 401/403 otherwise."""
    user, error = _check_credentials(email=email, password=password)
    if error is not None or user is None:
        raise error or InvalidCredentials()
    return user


def user_login(*, email: str, password: str) -> tuple[User, dict[str, str]]:
    """Sign in: a new session with a token pair. A wrong password counts towards the lockout."""
    with transaction.atomic():
        user, error = _check_credentials(email=email, password=password)
        if error is None and user is not None:
            user.last_login = timezone.now()
            user.save(update_fields=["last_login"])
            pair = token_pair(SessionRefreshToken.for_session(user))
    if error is not None or user is None:
        raise error or InvalidCredentials()
    return user, pair


def _blacklist_once(token: SessionRefreshToken, user: User | None) -> bool:
    """Blacklist `token`; True only for the one caller whose insert created the row. The unique
    blacklist row is the gate that makes a refresh token single-use even under parallel requests."""
    raw = token.token.decode() if isinstance(token.token, bytes) else str(token.token)
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token[jwt_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "token": raw,
            "created_at": token.current_time,
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        return False
    return True


def _user_id_of(payload) -> uuid.UUID:
    try:
        return uuid.UUID(str(payload.get(jwt_settings.USER_ID_CLAIM)))
    except ValueError as exc:
        raise _token_refused() from exc


@transaction.atomic
def session_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: the given one dies, a new pair of the same session is returned.

    401 for a bad, expired, used or revoked token, and for a deleted or suspended user."""
    try:
        token = SessionRefreshToken(refresh)  # type: ignore[arg-type]  # the stubs say Token; a str is what it parses
    except TokenError as exc:
        raise _token_refused() from exc
    user = _lock_user(_user_id_of(token))
    if user is None:
        raise _token_refused("User not found.")
    if not user.is_active:
        raise _token_refused("This account is suspended.")
    sid = session_of(token)
    if sid is not None and RevokedSession.objects.filter(sid=sid).exists():
        raise _token_refused("This session has ended.")
    if not _blacklist_once(token, user):
        raise _token_refused("Token is blacklisted.")
    rotated = SessionRefreshToken.for_session(user, sid=sid, auth_time=token.get(AUTH_TIME_CLAIM) or token.get("iat"))
    return token_pair(rotated)


@transaction.atomic
def session_logout(*, user: User, refresh: str) -> None:
    """End the session of `refresh` (a token of `user`): the refresh token is blacklisted and the
    session's access tokens are refused from now on. Idempotent."""
    try:
        payload = token_backend.decode(refresh, verify=True)  # type: ignore[arg-type]  # (stubs: Token; it is a str)
    except TokenBackendError as exc:
        raise _token_refused() from exc
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh" or jwt_settings.JTI_CLAIM not in payload:
        raise _token_refused("Token has wrong type.")
    if _user_id_of(payload) != user.pk:
        raise ApplicationError("This refresh token belongs to another account.", error="permission_denied", status=403)
    _lock_user(user.pk)
    _blacklist_once(SessionRefreshToken(refresh, verify=False), user)  # type: ignore[arg-type]  # (stubs: Token)
    sid = session_of(payload)
    if sid is not None:
        # A client may log out with an older token of the session: end the newest one too.
        newer = [pk for pk, token_sid in _live_refresh_tokens(user) if token_sid == sid]
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=pk) for pk in newer], ignore_conflicts=True)
        RevokedSession.objects.get_or_create(sid=sid, defaults={"user": user})


def _sid_of_stored(raw: str) -> str | None:
    try:
        return session_of(token_backend.decode(raw, verify=False))  # type: ignore[arg-type]  # (stubs: Token)
    except TokenBackendError:
        return None


def _live_refresh_tokens(user: User) -> list[tuple[int, str | None]]:
    """(outstanding row id, session id) of every unexpired, unrevoked refresh token of `user`."""
    live = (
        OutstandingToken.objects.filter(user_id=user.pk, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
        .order_by("pk")
        .values_list("pk", "token")
    )
    return [(pk, _sid_of_stored(raw)) for pk, raw in live]


@transaction.atomic
def user_revoke_refresh_tokens(*, user: User, keep_session: str | None = None) -> int:
    """Blacklist every live refresh token of `user` and make their access tokens fail on the next
    request; returns how many refresh tokens were revoked.

    With `keep_session` (a `sid`), that one session survives (change-password): the other
    sessions are recorded as revoked. Without it, `token_version` is bumped, which ends every
    access token of the user at once (password reset, suspension)."""
    _lock_user(user.pk)
    revoked_ids, revoked_sids = [], set()
    for pk, sid in _live_refresh_tokens(user):
        if keep_session is not None and sid == keep_session:
            continue
        revoked_ids.append(pk)
        if sid is not None:
            revoked_sids.add(sid)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token_id=pk) for pk in revoked_ids], ignore_conflicts=True)
    if keep_session is None:
        User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
        user.refresh_from_db(fields=["token_version"])
    else:
        RevokedSession.objects.bulk_create(
            [RevokedSession(sid=sid, user_id=user.pk) for sid in revoked_sids], ignore_conflicts=True
        )
    return len(revoked_ids)


def sessions_purge_expired() -> tuple[int, int]:
    """Delete expired outstanding tokens (with their blacklist rows) and revoked-session rows old
    enough that no access token of theirs can still be alive. Returns (tokens, sessions)."""
    now = timezone.now()
    tokens, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    horizon = now - jwt_settings.ACCESS_TOKEN_LIFETIME - timedelta(minutes=5)
    sessions, _ = RevokedSession.objects.filter(revoked_at__lt=horizon).delete()
    return tokens, sessions


# --- Email verification ---------------------------------------------------------------------


def user_send_verification(*, user: User) -> None:
    """Queue the verification mail (through the outbox, after commit); see `verification_mail_send`."""
    outbox_enqueue(task="accounts.tasks.verification_mail", kwargs={"user_id": str(user.pk)})


def verification_mail_send(*, user_id) -> bool:
    """In the worker: mail `{FRONTEND_URL}/verify-email/<token>` (the token lives 48 hours) to an
    active, unverified account. Returns whether a mail was sent."""
    user = User.objects.filter(pk=user_id, is_active=True, is_verified=False).order_by().first()
    if user is None:
        return False
    token = email_verification_token.make(user)
    _mail_now(
        to=user.email,
        subject="Confirm your email address",
        template="verify_email",
        context={"name": user.name, "link": f"{settings.FRONTEND_URL}/verify-email/{token}", "hours": 48},
    )
    return True


def user_resend_verification(*, user: User) -> None:
    if user.is_verified:
        raise ApplicationError("Your email address is already verified.", error="bad_request")
    user_send_verification(user=user)


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address verified. The token dies with its use: it is signed over `is_verified`."""
    user_id = email_verification_token.user_id(token)
    user = _lock_user(user_id) if user_id else None
    if user is None or not email_verification_token.matches(user, token):
        raise _bad_link("This verification link is invalid, already used or expired.")
    user.is_verified = True
    user.save(update_fields=["is_verified", "updated_at"])
    return user


# --- Passwords ------------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Answered identically for every address: the same job is queued either way, and the job
    (`password_reset_send`, in the worker) decides whether there is anyone to mail."""
    email = UserManager.normalize_email(email)
    outbox_enqueue(task="accounts.tasks.password_reset_mail", kwargs={"email": email})


def password_reset_send(*, email: str) -> bool:
    """Mail a reset link if `email` is an active account (at most 5 an hour per address, so nobody
    can flood a mailbox). Returns whether a mail was sent."""
    email = UserManager.normalize_email(email)
    user = User.objects.filter(email=email, is_active=True).order_by().first()
    if user is None:
        return False
    digest = hashlib.sha256(email.encode()).hexdigest()
    if not WindowCounter(f"reset-mail:{digest}", limit=5, duration=3600).acquire().allowed:
        return False
    token = password_reset_token.make(user)
    _mail_now(
        to=user.email,
        subject="Reset your LemonNPie password",
        template="password_reset",
        context={"name": user.name, "link": f"{settings.FRONTEND_URL}/reset-password/{token}", "minutes": 60},
    )
    return True


def _notify_password_changed(user: User) -> None:
    _mail_on_commit(
        to=user.email,
        subject="Your LemonNPie password was changed",
        template="password_changed",
        context={"name": user.name, "link": f"{settings.FRONTEND_URL}/forgot-password"},
    )


@transaction.atomic
def password_reset_complete(*, token: str, password: str) -> User:
    """Set a new password from a mailed token (single use: it is signed over the password hash).
    Every session of the user ends, a lockout is lifted and the address counts as verified."""
    user_id = password_reset_token.user_id(token)
    user = _lock_user(user_id) if user_id else None
    if user is None or not user.is_active or not password_reset_token.matches(user, token):
        raise _bad_link("This password reset link is invalid, already used or expired.")
    _new_password_checked(password, user=user, field="password")
    user.set_password(password)
    user.login_attempts, user.locked_until, user.is_verified = 0, None, True
    user.save(update_fields=["password", "login_attempts", "locked_until", "is_verified", "updated_at"])
    user_revoke_refresh_tokens(user=user)
    _notify_password_changed(user)
    return user


def user_change_password(*, user: User, old_password: str, new_password: str, keep_session: str | None) -> None:
    """Change the password of a signed-in user; every other session ends. A wrong current
    password counts towards the sign-in lockout (a stolen token must not allow guessing).

    `new_password` must already have passed the validators."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        now = timezone.now()
        error: ApplicationError | None = None
        if locked.locked_until is not None and locked.locked_until > now:
            error = _account_locked(locked.locked_until)
        elif not locked.check_password(old_password):
            _record_failed_password(locked, now)
            message = "Your current password is incorrect."
            error = ApplicationError(
                message, error="validation_error", details=[{"field": "old_password", "message": message}]
            )
        elif old_password == new_password:
            message = "The new password must differ from the current one."
            error = ApplicationError(
                message, error="validation_error", details=[{"field": "new_password", "message": message}]
            )
        else:
            locked.set_password(new_password)
            locked.login_attempts, locked.locked_until = 0, None
            locked.save(update_fields=["password", "login_attempts", "locked_until", "updated_at"])
            user_revoke_refresh_tokens(user=locked, keep_session=keep_session)
            _notify_password_changed(locked)
    if error is not None:
        raise error
    user.password = locked.password


# --- Profile --------------------------------------------------------------------------------


def user_update_profile(*, user: User, data: dict) -> User:
    """Apply name, bio, location and avatar_url from `data`; every other key is ignored."""
    changes = {field: data[field] for field in PROFILE_FIELDS if field in data}
    if changes:
        for field, value in changes.items():
            setattr(user, field, value)
        user.save(update_fields=[*changes, "updated_at"])
    return user
