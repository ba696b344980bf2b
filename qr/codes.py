"""Card URLs and their QR symbols as SVG and PNG."""

import hashlib
import io
from functools import cache
from importlib.metadata import version
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import PIL
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M, ERROR_CORRECT_Q

from qr.tokens import normalize_token

QUIET_ZONE = 4
# Printed sheets: level Q restores a quarter of the symbol, so a scuffed badge still scans.
PRINT_ERROR_CORRECTION = ERROR_CORRECT_Q


def card_url(base_url: str, token: str) -> str:
    """Return the card URL for token, upper-cased wherever case does not matter."""
    canonical = normalize_token(token)
    if canonical is None:
        raise ValueError(f"invalid card token: {token!r}")
    parts = urlsplit(base_url.strip())
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"base URL needs a scheme and host: {base_url!r}")
    # Userinfo is case-sensitive and a query/fragment would end up before /C/, so refuse them.
    if parts.username is not None or parts.query or parts.fragment:
        raise ValueError(f"base URL must be scheme://host[:port][/path]: {base_url!r}")
    # Scheme and host are case-insensitive, so upper case keeps the QR in alphanumeric mode;
    # the path prefix is case-sensitive and must stay as given.
    prefix = parts.path.rstrip("/")
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{prefix}/C/{canonical}"


def typed_url(base_url: str, token: str) -> str:
    """The card URL as a person would type it from print: no scheme, lower-case host and path
    prefix (`tellus.example.com/c/AB12CD`); with `https://` before it, it opens the same card."""
    token = card_url(base_url, token).rsplit("/", 1)[1]
    parts = urlsplit(base_url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}/c/{token}"


def build_qr(url: str, *, error_correction: int = ERROR_CORRECT_M) -> qrcode.QRCode:
    """Return the smallest QR code holding url (level M unless told), with a 4-module quiet zone."""
    qr = qrcode.QRCode(error_correction=error_correction, border=QUIET_ZONE)
    # An all-caps URL is alphanumeric anyway; optimize still packs the upper-case part densely
    # when a lower-case path prefix forces byte mode for the rest.
    qr.add_data(url, optimize=20)
    qr.make(fit=True)
    return qr


def render_svg(url: str) -> bytes:
    """Return a standalone, scalable SVG of url's QR code as UTF-8 bytes."""
    matrix = build_qr(url).get_matrix()
    size = len(matrix)
    # One horizontal run per subpath keeps the path short without any rasterising tricks.
    runs: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' shape-rendering="crispEdges">'
        f"<title>{escape(url)}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/>'
        "</svg>\n"
    )
    return svg.encode("utf-8")


def render_png(url: str, *, box_size: int = 10) -> bytes:
    """Return a 1-bit PNG of url's QR code with box_size pixels per module."""
    if box_size < 1:
        raise ValueError(f"box_size must be at least 1, got {box_size}")
    matrix = build_qr(url).get_matrix()
    size = len(matrix)
    image = Image.new("1", (size, size))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    # Scale after drawing so every module stays an exact box_size square.
    image = image.resize((size * box_size, size * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# Upper case with a lower-case path prefix: the URL's two encoding modes, as real ones may mix them.
DRAWING_SAMPLE = "HTTPS://TELLUS.EXAMPLE/tellus/C/ABCD2345"


@cache
def drawing_fingerprint() -> str:
    """A short hash of how this version draws a QR: the qrcode library's and Pillow's versions,
    and a sample drawn by this module. Image links and ETags name it, so that an upgrade that
    draws differently is fetched anew, never taken from a cache holding the old picture."""
    libraries = f"qrcode {version('qrcode')}, Pillow {PIL.__version__}\n".encode()
    drawn = render_svg(DRAWING_SAMPLE) + render_png(DRAWING_SAMPLE, box_size=3)
    return hashlib.sha256(libraries + drawn).hexdigest()[:16]


def qr_path(token: str, extension: str, size: int | None = None) -> str:
    """A code's QR image as pages link it (api.customer.pages_qr serves it): `v=` changes with
    how this version draws, as the image is cached for a year."""
    query = f"?v={drawing_fingerprint()}" + (f"&size={size}" if size else "")
    return f"/qr/{token}.{extension}{query}"
