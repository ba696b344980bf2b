"""The fonts a printed sheet needs, found on the host's Debian font packages, never fetched.

Noto Sans sets Latin, Greek and Cyrillic (accented names included); Noto Sans Arabic and Noto Sans
CJK SC cover Arabic and Chinese. They come from `fonts-noto-core` and `fonts-noto-cjk`; on another
system fontconfig (`fc-match`) is asked for the same families, and a missing one is a clear error
naming the package to install.
"""

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
# The face of Simplified Chinese inside the Noto Sans CJK collections (JP, KR, SC, TC, HK).
CJK_SC_INDEX = 2


@dataclass(frozen=True)
class FontFile:
    """One face: its file, its index in a collection, and the Debian package that carries it."""

    family: str  # fontconfig's family name
    style: str  # "" (regular) or "B"
    path: Path
    index: int = 0


@dataclass(frozen=True)
class FontRole:
    """A family the sheets use under one name, in regular and bold."""

    name: str  # the name the PDF layer knows it by
    family: str
    package: str
    regular: Path
    bold: Path
    index: int = 0
    # The 20 MB Chinese collection takes a second a face to load: its bold serves both weights.
    bold_only: bool = False


ROLES = (
    FontRole(
        "sans",
        "Noto Sans",
        "fonts-noto-core",
        NOTO / "NotoSans-Regular.ttf",
        NOTO / "NotoSans-Bold.ttf",
    ),
    FontRole(
        "arabic",
        "Noto Sans Arabic",
        "fonts-noto-core",
        NOTO / "NotoSansArabic-Regular.ttf",
        NOTO / "NotoSansArabic-Bold.ttf",
    ),
    FontRole(
        "cjk",
        "Noto Sans CJK SC",
        "fonts-noto-cjk",
        NOTO_CJK / "NotoSansCJK-Regular.ttc",
        NOTO_CJK / "NotoSansCJK-Bold.ttc",
        CJK_SC_INDEX,
        bold_only=True,
    ),
)


class FontMissing(RuntimeError):
    """A font the sheets need is not installed."""


def _fc_match(family: str, style: str) -> FontFile | None:
    """What fontconfig has for exactly this family, or None (fc-match always answers something)."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:style={'Bold' if style else 'Regular'}"
    try:
        answer = subprocess.run(
            ["fc-match", "--format=%{file}\n%{index}\n%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(answer) < 3 or family not in answer[2].split(","):
        return None
    return FontFile(family, style, Path(answer[0]), int(answer[1] or 0))


def _face(role: FontRole, style: str) -> FontFile:
    path = role.bold if style else role.regular
    if path.is_file():
        return FontFile(role.family, style, path, role.index)
    found = _fc_match(role.family, style)
    if found is None:
        raise FontMissing(
            f"The font {role.family} ({'bold' if style else 'regular'}) is not installed: "
            f"install Debian's {role.package} (apt-get install {role.package})."
        )
    return found


@cache
def font_faces(name: str) -> tuple[FontFile, ...]:
    """The faces of the role `name` a sheet loads (regular, bold); FontMissing if one is absent."""
    role = next(role for role in ROLES if role.name == name)
    return (_face(role, "B"),) if role.bold_only else (_face(role, ""), _face(role, "B"))


@cache
def characters_of(name: str) -> frozenset[int]:
    """The code points the role's regular face has glyphs for."""
    face = font_faces(name)[0]  # the weights of a family cover the same characters
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def fonts_for(text: str) -> list[str]:
    """The roles a sheet with this text needs: always `sans`, then a fallback for each script it
    cannot set (loading the 20 MB Chinese collection only for a sheet that has Chinese)."""
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
