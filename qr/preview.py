"""A PNG of a sheet's first page, for the browser (a page's CSP does not let it embed a PDF).

Poppler's `pdftoppm` (Debian's poppler-utils) draws it; without it there is no preview, and the
PDF itself is unaffected.
"""

import shutil
import subprocess


class PreviewUnavailable(RuntimeError):
    """pdftoppm is missing or failed."""


def first_page_png(pdf: bytes, *, width: int = 600) -> bytes:
    """The first page of `pdf` as a PNG `width` pixels wide."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise PreviewUnavailable("The preview needs pdftoppm: install Debian's poppler-utils.")
    try:
        drawn = subprocess.run(
            [program, "-png", "-singlefile", "-f", "1", "-l", "1"]
            + ["-scale-to-x", str(width), "-scale-to-y", "-1", "-"],
            input=pdf,
            capture_output=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise PreviewUnavailable(f"pdftoppm could not draw the preview: {error}") from None
    return drawn.stdout
