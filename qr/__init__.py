"""QR card tokens and codes: plain Python, no web or database dependencies."""

from qr.codes import build_qr, card_url, render_png, render_svg
from qr.tokens import ALPHABET, TOKEN_LENGTH, new_token, normalize_token

__all__ = [
    "ALPHABET",
    "TOKEN_LENGTH",
    "build_qr",
    "card_url",
    "new_token",
    "normalize_token",
    "render_png",
    "render_svg",
]
