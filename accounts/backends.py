"""Password sign-in for the Django admin, under the same defences as the API: the per-account
lockout, suspension and the per-address `login_failures` throttle."""

from django.contrib.auth.backends import ModelBackend

from accounts.services import InvalidCredentials, user_authenticate
from accounts.throttles import LoginFailureThrottle
from lemonnpie.api.exceptions import ApplicationError


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get("email")
        if email is None or password is None:
            return None
        # The attempt takes its `login_failures` slot before the password is hashed; only a
        # failure on credentials keeps it.
        if request is not None and not LoginFailureThrottle().allow_request(request, None):
            return None
        failed = False
        try:
            user = user_authenticate(email=email, password=password)
        except InvalidCredentials:
            failed = True
            return None
        except ApplicationError:  # locked or suspended: the admin shows its generic refusal
            return None
        finally:
            if request is not None:
                LoginFailureThrottle.settle(request, failed=failed)
        return user if self.user_can_authenticate(user) else None
