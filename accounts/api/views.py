"""/api/v1/auth/* and /api/v1/users/profile: thin views over accounts.services."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts import services
from accounts.api import schema
from accounts.api.serializers import (
    AccountsDetailSerializer,
    AuthResultSerializer,
    ChangePasswordSerializer,
    ForgotPasswordSerializer,
    LoginSerializer,
    LogoutSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    ResetPasswordSerializer,
    TokenPairSerializer,
)
from accounts.shapes import UserPrivate
from accounts.throttles import AuthRateThrottle, LoginFailureThrottle
from accounts.tokens import session_of
from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.metrics import LOGINS

DEFAULT_THROTTLES = list(api_settings.DEFAULT_THROTTLE_CLASSES)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[403, 429, 503],
    description="Seconds to wait (on `account_locked`, `throttled` and `service_unavailable`).",
)
TAGS = ["auth"]
# lemonnpie_logins_total{outcome}: ok, failed, locked, suspended; the throttle adds throttled, unavailable.
_LOGIN_OUTCOMES = {"account_locked": "locked", "account_suspended": "suspended"}


class _PublicAuthView(APIView):
    """Takes no bearer token at all, so a stale `Authorization` header left by a client cannot
    turn a sign-in or a refresh into a 401."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthRateThrottle, *DEFAULT_THROTTLES]


class RegisterView(_PublicAuthView):
    """Create an account; the answer signs the caller in at once."""

    @extend_schema(
        tags=TAGS,
        operation_id="auth_register",
        summary="Create an account and sign in",
        request=RegisterSerializer,
        responses={201: AuthResultSerializer, **schema.errors(400, 409, 429, 503)},
        parameters=[RETRY_AFTER],
        description="Sends a verification mail with `{FRONTEND_URL}/verify-email/{token}` (valid 48 h, single use).",
    )
    def post(self, request):
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user, pair = services.user_register(**body.validated_data)
        return Response(AuthResultSerializer({"user": user, **pair}).data, status=status.HTTP_201_CREATED)


class LoginView(_PublicAuthView):
    """Sign in. Five wrong passwords in a row lock the account for 15 minutes; failed sign-ins are
    also throttled per client address (`login_failures`)."""

    # First, so that an unreachable security cache answers 503 here rather than a 500.
    throttle_classes = [LoginFailureThrottle, *DEFAULT_THROTTLES]

    def initial(self, request, *args, **kwargs):
        try:
            super().initial(request, *args, **kwargs)
        except Exception:  # refused by another throttle: this attempt never reaches a password
            LoginFailureThrottle.settle(request, failed=False)
            raise

    @extend_schema(
        tags=TAGS,
        operation_id="auth_login",
        summary="Sign in with email and password",
        request=LoginSerializer,
        responses={
            200: AuthResultSerializer,
            **schema.errors(
                400,
                401,
                429,
                503,
                s401="`authentication_failed`: wrong email or password.",
                s403="`account_locked` (5 failures in a row lock the account for 15 minutes; `Retry-After`, "
                "whatever the password) or `account_suspended`.",
                s429="`throttled`: too many failed sign-ins from this address (`login_failures`); `Retry-After`.",
            ),
        },
        parameters=[RETRY_AFTER],
        examples=[schema.LOCKED_EXAMPLE],
    )
    def post(self, request):
        failed = False  # the throttle counted this attempt already; settle() keeps only failures
        try:
            body = LoginSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            user, pair = services.user_login(**body.validated_data)
        except services.InvalidCredentials:
            failed = True
            LOGINS.labels(outcome="failed").inc()
            raise
        except ApplicationError as exc:
            LOGINS.labels(outcome=_LOGIN_OUTCOMES.get(exc.error, "refused")).inc()
            raise
        finally:
            LoginFailureThrottle.settle(request, failed=failed)
        LOGINS.labels(outcome="ok").inc()
        return Response(AuthResultSerializer({"user": user, **pair}).data)


class RefreshView(_PublicAuthView):
    """Exchange a refresh token for a new pair (rotation; the old token is dead afterwards)."""

    throttle_classes = DEFAULT_THROTTLES

    @extend_schema(
        tags=TAGS,
        operation_id="auth_refresh",
        summary="Rotate a refresh token",
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            **schema.errors(
                400,
                429,
                s401="`authentication_failed`: the refresh token is invalid, expired, already used or revoked, "
                "or its account is gone or suspended.",
            ),
        },
        description="Returns a new pair; the refresh token sent is dead from now on (sending it again answers 401).",
    )
    def post(self, request):
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.session_refresh(refresh=body.validated_data["refresh"]))


class LogoutView(APIView):
    """Sign out the session of the given refresh token."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_logout",
        summary="Sign out one session",
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description="The refresh token and the access tokens of its session are revoked."),
            **schema.errors(400, 401, 429, s403="`permission_denied`: the refresh token belongs to another account."),
        },
    )
    def post(self, request):
        body = LogoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.session_logout(user=request.user, refresh=body.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ForgotPasswordView(_PublicAuthView):
    """Mail a password reset link, without revealing whether the address has an account."""

    @extend_schema(
        tags=TAGS,
        operation_id="auth_forgot_password",
        summary="Ask for a password reset link",
        request=ForgotPasswordSerializer,
        responses={202: AccountsDetailSerializer, **schema.errors(400, 429, 503)},
        parameters=[RETRY_AFTER],
        description="Same answer, status and timing for every address; only real accounts get the mail "
        "(`{FRONTEND_URL}/reset-password/{token}`, valid 1 h, single use).",
    )
    def post(self, request):
        body = ForgotPasswordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.password_reset_request(email=body.validated_data["email"])
        return Response(
            {"detail": "If an account exists for this address, a reset link is on its way."},
            status=status.HTTP_202_ACCEPTED,
        )


class ResetPasswordView(_PublicAuthView):
    """Set a new password with the token of a reset mail; every session of the account ends."""

    @extend_schema(
        tags=TAGS,
        operation_id="auth_reset_password",
        summary="Set a new password with a mailed token",
        request=ResetPasswordSerializer,
        responses={
            204: OpenApiResponse(description="Password changed; every session of the account is signed out."),
            **schema.errors(
                429,
                503,
                s400="`validation_error`: the token is invalid, used or expired (field `token`), or the "
                "password fails the password rules (field `password`).",
            ),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        body = ResetPasswordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.password_reset_complete(**body.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailView(_PublicAuthView):
    """Confirm the email address with the token of a verification mail."""

    @extend_schema(
        tags=TAGS,
        operation_id="auth_verify_email",
        summary="Confirm an email address with a mailed token",
        responses={
            200: AccountsDetailSerializer,
            **schema.errors(429, 503, s400="`validation_error`: the token is invalid, already used or expired."),
        },
        parameters=[RETRY_AFTER],
    )
    def get(self, request, token: str):
        services.user_verify_email(token=token)
        return Response({"detail": "Your email address is verified."})


class ResendVerificationView(APIView):
    """Mail a new verification link to the signed-in user."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [AuthRateThrottle, *DEFAULT_THROTTLES]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_resend_verification",
        summary="Mail a new verification link",
        request=None,
        responses={
            202: AccountsDetailSerializer,
            **schema.errors(401, 429, 503, s400="`bad_request`: the address is already verified."),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        services.user_resend_verification(user=request.user)
        return Response({"detail": "A new verification link is on its way."}, status=status.HTTP_202_ACCEPTED)


class ChangePasswordView(APIView):
    """Change the password; the other sessions of the account end."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [AuthRateThrottle, *DEFAULT_THROTTLES]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_change_password",
        summary="Change the password (current one required)",
        request=ChangePasswordSerializer,
        responses={
            204: OpenApiResponse(
                description="Changed. Every other session is signed out; this one keeps its refresh token."
            ),
            **schema.errors(
                401,
                429,
                503,
                s400="`validation_error`: wrong `old_password` (counts towards the lockout), or `new_password` "
                "fails the password rules or equals the current one.",
                s403="`account_locked`: too many wrong passwords; `Retry-After`.",
            ),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        body = ChangePasswordSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        services.user_change_password(
            user=request.user,
            old_password=body.validated_data["old_password"],
            new_password=body.validated_data["new_password"],
            keep_session=session_of(request.auth),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    """The signed-in user's own profile (UserPrivate)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["users"],
        operation_id="users_profile_retrieve",
        summary="My profile",
        responses={200: UserPrivate.serializer_class, **schema.errors(401, 429)},
    )
    def get(self, request):
        return Response(UserPrivate.of(request.user))

    @extend_schema(
        tags=["users"],
        operation_id="users_profile_update",
        summary="Update my profile (partial bodies allowed)",
        request=ProfileUpdateSerializer,
        responses={200: UserPrivate.serializer_class, **schema.errors(400, 401, 429)},
        description="Only `name`, `bio`, `location` and `avatar_url` change; any other field is ignored.",
    )
    def put(self, request):
        return self._update(request)

    @extend_schema(
        tags=["users"],
        operation_id="users_profile_partial_update",
        summary="Update my profile",
        request=ProfileUpdateSerializer,
        responses={200: UserPrivate.serializer_class, **schema.errors(400, 401, 429)},
        description="Only `name`, `bio`, `location` and `avatar_url` change; any other field is ignored.",
    )
    def patch(self, request):
        return self._update(request)

    def _update(self, request):
        body = ProfileUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=body.validated_data)
        return Response(UserPrivate.of(user))
