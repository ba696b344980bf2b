"""Hashing and signing: passwords, opaque tokens, and the card form's cookie-less token."""

import hashlib
import hmac
import secrets
import time
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's RFC 9106 "low memory" profile: strong, yet quick on a small host.
PASSWORD_HASHER = PasswordHasher()


class _Passwords:
    """The hasher in use, and a hash to check when the email is unknown (made on first need)."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        # Made with the same parameters as real hashes: a wrong email takes as long as a wrong
        # password. Not at import: importing this module (every CLI command) costs nothing.
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


_passwords = _Passwords(PASSWORD_HASHER)


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with `hasher` from now on (tests choose cheap parameters); returns the
    hasher it replaces. Existing hashes keep verifying: each carries its own parameters."""
    global _passwords
    previous = _passwords.hasher
    _passwords = _Passwords(hasher)
    return previous


def hash_password(password: str) -> str:
    return _passwords.hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time, also when there is no such user."""
    passwords = _passwords
    try:
        checked = passwords.hasher.verify(password_hash or passwords.dummy_hash, password)
        return checked and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def same_secret(given: str, expected: str) -> bool:
    """A constant-time comparison that any text may reach: `hmac.compare_digest` refuses two
    `str` with a non-ASCII character (a TypeError, a 500) where a visitor sent `²` or `١`."""
    return hmac.compare_digest(given.encode(), expected.encode())


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def form_mac(secret: str, purpose: str, message: str) -> str:
    """An HMAC of `message` for one purpose of the secret (a key per purpose)."""
    mac = _purpose_mac(secret, purpose).copy()
    mac.update(message.encode())
    return mac.hexdigest()[:32]


@lru_cache(maxsize=64)
def _purpose_mac(secret: str, purpose: str) -> hmac.HMAC:
    """The HMAC keyed for one purpose, before any message: copied for each (the card page signs
    a token per request)."""
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def sign_form_token(secret: str, purpose: str, subject: str, issued_at: int | None = None) -> str:
    """A token proving this server issued a form for `subject` at a given time; no cookie needed."""
    issued = int(time.time()) if issued_at is None else issued_at
    return f"{issued}.{form_mac(secret, purpose, f'{subject}.{issued}')}"


def check_form_token(
    secret: str, purpose: str, subject: str, token: str, *, max_age_seconds: int
) -> bool:
    issued_text, _, signature = token.partition(".")
    if not (issued_text.isascii() and issued_text.isdigit()) or not signature:
        return False
    issued = int(issued_text)
    age = time.time() - issued
    if age < -300 or age > max_age_seconds:
        return False
    expected = form_mac(secret, purpose, f"{subject}.{issued}")
    return same_secret(signature, expected)
