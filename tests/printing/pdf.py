"""Reading a printed sheet as a person and a phone would: Poppler draws and reads the PDF,
zxing-cpp scans every code on every page."""

import re
import shutil
import subprocess
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import zxingcpp
from PIL import Image

from qr.fonts import ROLES, FontMissing, font_faces

# Poppler marks runs of each direction with these; a reader does not see them.
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
A4 = (595.0, 842.0)
LETTER = (612.0, 792.0)


def print_tools_missing() -> str:
    """Why sheets cannot be drawn or read on this machine ("" when they can)."""
    if shutil.which("pdftoppm") is None:
        return "Poppler is not installed: apt-get install poppler-utils"
    try:
        for role in ROLES:
            font_faces(role.name)
    except FontMissing as error:
        return str(error)
    return ""


# On the test modules that draw sheets: skipped with the reason where a tool is missing (and so
# a failure in CI, where a skipped test fails the run).
needs_print_tools = pytest.mark.skipif(bool(print_tools_missing()), reason=print_tools_missing())


def page_images(pdf: bytes, *, dpi: int = 100) -> list[Image.Image]:
    """Every page drawn at `dpi`, in grey, as pdftoppm draws it."""
    with TemporaryDirectory() as folder:
        source = Path(folder) / "sheet.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{folder}/page"],
            check=True,
            timeout=60,
        )
        pages = sorted(Path(folder).glob("page-*.png"))
        return [Image.open(page).copy() for page in pages]


def scanned_urls(pdf: bytes, *, dpi: int = 100) -> list[str]:
    """What every QR code on every page decodes to, page by page. Only QR codes are looked
    for: read as any format, a line of small print can pass for a one-dimensional barcode."""
    found: list[str] = []
    for image in page_images(pdf, dpi=dpi):
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        found += [code.text for code in codes if code.valid]
    return found


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, rounded."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "10000", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(round(float(width)), round(float(height))) for width, height in sizes]


def sheet_text(pdf: bytes) -> str:
    """The words on the sheet, as pdftotext reads them (direction marks taken out)."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    return BIDI_MARKS.sub("", text)


def printed_urls(pdf: bytes) -> list[str]:
    """The card URLs in type on the sheet (quicker to read than scanning every code)."""
    return re.findall(r"HTTPS?://\S+/C/[0-9A-Z]{8}", sheet_text(pdf))
