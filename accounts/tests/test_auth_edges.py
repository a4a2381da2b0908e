"""Edges of the authentication modules that the API tests do not reach."""

import uuid

import pytest
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.authentication import JWTAuthentication
from accounts.throttles import WindowCounter
from accounts.tokens import password_reset_token, session_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("claims", [{}, {"user_id": "not-a-uuid"}])
def test_a_token_without_a_usable_user_id_is_refused(claims):
    with pytest.raises(InvalidToken):
        JWTAuthentication().get_user(claims)


def test_a_malformed_session_claim_is_no_session():
    assert session_of({"sid": "not-a-uuid"}) is None
    assert session_of(None) is None
    sid = uuid.uuid4()
    assert session_of({"sid": str(sid)}) == sid.hex


def test_a_link_token_with_a_bad_signature_does_not_match(user):
    assert password_reset_token.matches(user, "garbage:signature") is False
    assert password_reset_token.matches(user, password_reset_token.make(user)) is True


def test_the_window_counter_waits_out_the_previous_window_then_the_current_one():
    counter = WindowCounter(f"edge:{uuid.uuid4()}", limit=4, duration=60)
    start = 6000.0  # the start of a window
    for _ in range(5):
        counter.hit(start + 1)
    assert counter.blocked(start + 1)
    # In the next window the previous one still weighs (5 x 0.9 = 4.5): wait until it is under 4.
    assert counter.wait(start + 60 + 6) == pytest.approx(6.0)
    assert counter.wait(start + 60 + 59.9) == 0.0
    for _ in range(5):
        counter.hit(start + 120 + 1)
    # Past the limit within this window: wait into the next one.
    assert counter.wait(start + 120 + 30) > 30
    counter.reset()
    assert counter.estimate() == 0
