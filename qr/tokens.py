"""Short, human-typable card tokens in Crockford base32."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_LENGTH = 8

# Crockford decoding: letters people misread as digits resolve to those digits.
_CONFUSABLES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_VALID = frozenset(ALPHABET)


def new_token() -> str:
    """Return a fresh random token of TOKEN_LENGTH characters."""
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def normalize_token(raw: str) -> str | None:
    """Return the canonical form of a user-typed token, or None if it cannot be one."""
    cleaned = raw.strip().replace("-", "").replace(" ", "").upper().translate(_CONFUSABLES)
    if len(cleaned) != TOKEN_LENGTH or not _VALID.issuperset(cleaned):
        return None
    return cleaned
