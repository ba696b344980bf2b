"""New passwords: long enough, not among the commonest, and never truncated."""

import pytest
from sqlmodel import Session

from api.accounts.passwords import TOO_COMMON, TOO_SHORT, password_problem
from api.accounts.service import authenticate, create_user
from api.errors import Unprocessable
from api.security import hash_password, verify_password

# The tests of hashing itself: production's argon2 parameters, not the suite's cheap ones.
pytestmark = pytest.mark.usefixtures("production_password_hashing")


@pytest.mark.parametrize("password", ["1234567890", "Welcome123", "PASSWORD123", "1qaz2wsx3edc"])
def test_the_commonest_passwords_are_refused_whatever_their_case(password: str) -> None:
    assert password_problem(password) == TOO_COMMON
    assert "too common" in TOO_COMMON


def test_a_short_password_is_refused_and_an_unusual_one_accepted() -> None:
    assert password_problem("x7#kP2q") == TOO_SHORT
    assert password_problem("a kettle sings at dawn") is None


def test_passwords_are_hashed_with_argon2id_at_production_strength() -> None:
    hashed = hash_password("a kettle sings at dawn")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106's low-memory profile
    assert verify_password(hashed, "a kettle sings at dawn")
    assert not verify_password(hashed, "a kettle sings at dusk")
    assert not verify_password(None, "a kettle sings at dawn")  # no such user: still checked


def test_create_user_refuses_a_common_password(session: Session) -> None:
    with pytest.raises(Unprocessable, match="too common"):
        create_user(session=session, email="a@example.com", password="qwertyuiop")


def test_a_long_password_is_kept_whole(session: Session) -> None:
    password = "long passphrase " * 40  # 640 characters: bcrypt would cut at 72 bytes
    create_user(session=session, email="long@example.com", password=password)
    session.commit()

    assert authenticate(session=session, email="long@example.com", password=password)
    assert authenticate(session=session, email="long@example.com", password=password[:72]) is None
