"""Hashing and signing: passwords, opaque tokens, and the card form's cookie-less token."""

import hashlib
import hmac
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's RFC 9106 "low memory" profile: strong, yet quick on a small host.
_hasher = PasswordHasher()
# Checked when the email is unknown: a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant-ish time, also when there is no such user."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _mac(secret: str, purpose: str, message: str) -> str:
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def sign_form_token(secret: str, purpose: str, subject: str, issued_at: int | None = None) -> str:
    """A token proving this server issued a form for `subject` at a given time; no cookie needed."""
    issued = int(time.time()) if issued_at is None else issued_at
    return f"{issued}.{_mac(secret, purpose, f'{subject}.{issued}')}"


def check_form_token(
    secret: str, purpose: str, subject: str, token: str, *, max_age_seconds: int
) -> bool:
    issued_text, _, signature = token.partition(".")
    if not issued_text.isdigit() or not signature:
        return False
    issued = int(issued_text)
    age = time.time() - issued
    if age < -300 or age > max_age_seconds:
        return False
    expected = _mac(secret, purpose, f"{subject}.{issued}")
    return hmac.compare_digest(expected, signature)
