"""Bearer-JWT authentication that reads the user on every request (API.md §3).

Claims are informational; what decides is the row: a suspended user (`is_active = false`), a
token minted before the user's last "end every session" (`ver` ≠ `token_version`) and a token of
a signed-out session (`sid` in RevokedSession) are all refused with 401 — in the one query that
loads the user.
"""

import uuid

from django.db.models import Exists, OuterRef
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import RevokedSession, User
from accounts.tokens import VERSION_CLAIM, session_of


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token) -> User:
        try:
            user_id = uuid.UUID(str(validated_token[jwt_settings.USER_ID_CLAIM]))
        except (KeyError, ValueError) as exc:
            raise InvalidToken("Token contained no recognizable user identification.") from exc

        users = User.objects.filter(pk=user_id)
        sid = session_of(validated_token)
        if sid is not None:
            users = users.annotate(session_revoked=Exists(RevokedSession.objects.filter(sid=sid, user=OuterRef("pk"))))
        user = users.order_by().first()
        if user is None:
            raise AuthenticationFailed("User not found.", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("This account is suspended.", code="user_inactive")
        if validated_token.get(VERSION_CLAIM, 0) != user.token_version or getattr(user, "session_revoked", False):
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        return user
