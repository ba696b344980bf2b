"""Tests for qr.tokens."""

import pytest

from qr.tokens import ALPHABET, TOKEN_LENGTH, new_token, normalize_token


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == 32
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_token_shape() -> None:
    for _ in range(200):
        token = new_token()
        assert len(token) == TOKEN_LENGTH == 8
        assert set(token) <= set(ALPHABET)


def test_new_token_is_unique_and_uses_whole_alphabet() -> None:
    tokens = [new_token() for _ in range(5000)]
    assert len(set(tokens)) == len(tokens)
    # 40,000 draws from 32 symbols: a missing symbol means a biased or truncated source.
    assert set("".join(tokens)) == set(ALPHABET)


def test_new_token_round_trips_through_normalize() -> None:
    token = new_token()
    assert normalize_token(token) == token
    assert normalize_token(token.lower()) == token


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB12CD34", "AB12CD34"),
        ("ab12cd34", "AB12CD34"),
        ("abcd-efgh", "ABCDEFGH"),
        ("  abcd efgh \n", "ABCDEFGH"),
        ("AB-12 CD-34", "AB12CD34"),
        ("OOOOIIII", "00001111"),
        ("o0l1i1L0", "00111110"),
    ],
)
def test_normalize_token_accepts(raw: str, expected: str) -> None:
    assert normalize_token(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ABC1234",
        "ABC123456",
        "ABCDEFGU",
        "abcdefgu",
        "ABCDEFG!",
        "ABCD_EFG",
        "ABCD.EFG",
        "ABCDÉFGH",
    ],
)
def test_normalize_token_rejects(raw: str) -> None:
    assert normalize_token(raw) is None
