"""Bearer-JWT authentication that reads the user on every request (API.md §3).

Claims are informational; what decides is the row: a suspended user (`is_active = false`), a
token minted before the user's last "end every session" (`ver` ≠ `token_version`) and a token of
a signed-out session (`sid` in RevokedSession) are all refused with 401 — in the one query that
loads the user.
"""

import functools
import uuid

from django.db import connection
from django.db.models import Exists, OuterRef
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import RevokedSession, User
from accounts.tokens import VERSION_CLAIM, session_of
from lemonnpie.db.compiled import CompiledQuery, compile_query


@functools.cache
def _user_query(with_session: bool) -> CompiledQuery:
    """The query that loads the token's user (and whether its session was signed out), compiled
    once: it runs on every authenticated request (see lemonnpie.db.compiled)."""

    def build(*, user, session):
        users = User.objects.filter(pk=user)
        if with_session:
            users = users.annotate(
                session_revoked=Exists(RevokedSession.objects.filter(sid=session, user=OuterRef("pk")))
            )
        return users.order_by()[:1]

    return compile_query(build, "user", "session")


def _load_user(user_id: uuid.UUID, sid: uuid.UUID | None) -> User | None:
    """`User.objects.filter(pk=user_id)[.annotate(session_revoked=...)].first()`, precompiled."""
    values = _user_query(sid is not None).first(user=user_id, session=sid)
    if values is None:
        return None
    fields = [field.attname for field in User._meta.concrete_fields]
    user = User.from_db(connection.alias, fields, [values[User._meta.get_field(name).column] for name in fields])
    if sid is not None:
        user.session_revoked = values["session_revoked"]
    return user


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token) -> User:
        try:
            user_id = uuid.UUID(str(validated_token[jwt_settings.USER_ID_CLAIM]))
        except (KeyError, ValueError) as exc:
            raise InvalidToken("Token contained no recognizable user identification.") from exc

        sid = session_of(validated_token)
        user = _load_user(user_id, uuid.UUID(sid) if sid is not None else None)
        if user is None:
            raise AuthenticationFailed("User not found.", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("This account is suspended.", code="user_inactive")
        if validated_token.get(VERSION_CLAIM, 0) != user.token_version or getattr(user, "session_revoked", False):
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        return user
