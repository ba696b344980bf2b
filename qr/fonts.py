"""The fonts a printed sheet needs, shipped with Tellus in `qr/fonts/`: never fetched, never
whatever the host happens to have.

Noto Sans sets Latin, Greek and Cyrillic (accented names included) and Noto Sans Arabic sets
Arabic, both under the SIL Open Font License; Droid Sans Fallback (Apache 2.0) covers Chinese, the
whole of the CJK Unified Ideographs block but for its 90 newest characters, in 4 MB. Their licences
are beside them.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FOLDER = Path(__file__).resolve().parent / "fonts"


@dataclass(frozen=True)
class FontFile:
    """One face: its family, its style ("" regular, "B" bold) and its file."""

    family: str
    style: str
    path: Path


@dataclass(frozen=True)
class FontRole:
    """A family the sheets use under one name, in regular and bold."""

    name: str  # the name the PDF layer knows it by
    family: str
    regular: Path
    bold: Path
    # A family with one weight: its regular face serves both.
    single_weight: bool = False


ROLES = (
    FontRole("sans", "Noto Sans", FOLDER / "NotoSans-Regular.ttf", FOLDER / "NotoSans-Bold.ttf"),
    FontRole(
        "arabic",
        "Noto Sans Arabic",
        FOLDER / "NotoSansArabic-Regular.ttf",
        FOLDER / "NotoSansArabic-Bold.ttf",
    ),
    FontRole(
        "cjk",
        "Droid Sans Fallback",
        FOLDER / "DroidSansFallbackFull.ttf",
        FOLDER / "DroidSansFallbackFull.ttf",
        single_weight=True,
    ),
)


class FontMissing(RuntimeError):
    """A font the sheets need is not where Tellus installed it."""


def _face(role: FontRole, style: str) -> FontFile:
    path = role.bold if style else role.regular
    if not path.is_file():
        raise FontMissing(
            f"The font {role.family} is missing from {path.parent}: reinstall Tellus "
            "(its fonts come with it)."
        )
    return FontFile(role.family, style, path)


@cache
def font_faces(name: str) -> tuple[FontFile, ...]:
    """The faces of the role `name` a sheet loads (regular, bold); FontMissing if one is absent."""
    role = next(role for role in ROLES if role.name == name)
    return (_face(role, ""),) if role.single_weight else (_face(role, ""), _face(role, "B"))


@cache
def characters_of(name: str) -> frozenset[int]:
    """The code points the role's regular face has glyphs for."""
    face = font_faces(name)[0]  # the weights of a family cover the same characters
    font = TTFont(face.path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def fonts_for(text: str) -> list[str]:
    """The roles a sheet with this text needs: always `sans`, then a fallback for each script it
    cannot set (loading the Chinese font only for a sheet that has Chinese)."""
    needed = ["sans"]
    missing = {ord(char) for char in set(text) if char.isprintable() and not char.isspace()}
    missing -= characters_of("sans")
    for role in ROLES[1:]:
        if not missing:
            break
        covered = missing & characters_of(role.name)
        if covered:
            needed.append(role.name)
            missing -= covered
    return needed
