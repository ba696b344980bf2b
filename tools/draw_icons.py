"""Draw the app's PNG icons (192 and 512 px) from the same design as web/static/icons/icon.svg.

Usage: python tools/draw_icons.py  (writes web/static/icons/icon-192.png and icon-512.png)
"""

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "web" / "static" / "icons"
GREEN = (47, 111, 94, 255)
WHITE = (255, 255, 255, 255)
OVERSAMPLE = 4  # drawn large, then scaled down: smooth edges without an antialiasing renderer


def draw_icon(size: int) -> Image.Image:
    """The rounded green square with a smiling face, in icon.svg's 64-unit coordinates."""
    scale = size * OVERSAMPLE / 64
    image = Image.new("RGBA", (size * OVERSAMPLE,) * 2, (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def disc(x: float, y: float, radius: float, fill: tuple[int, ...]) -> None:
        pen.ellipse([(x - radius) * scale, (y - radius) * scale, (x + radius) * scale,
                     (y + radius) * scale], fill=fill)  # fmt: skip

    pen.rounded_rectangle([0, 0, 64 * scale - 1, 64 * scale - 1], radius=14 * scale, fill=GREEN)
    disc(32, 32, 20, WHITE)
    disc(25, 28, 3, GREEN)
    disc(39, 28, 3, GREEN)
    # The smile: the quadratic curve M23 37 q9 9 18 0, stroked 3.5 wide with round ends.
    steps = 48
    points = []
    for step in range(steps + 1):
        t = step / steps
        x = (1 - t) ** 2 * 23 + 2 * (1 - t) * t * 32 + t**2 * 41
        y = (1 - t) ** 2 * 37 + 2 * (1 - t) * t * 46 + t**2 * 37
        points.append((x, y))
    pen.line([(x * scale, y * scale) for x, y in points], fill=GREEN, width=round(3.5 * scale))
    for x, y in points:
        disc(x, y, 1.75, GREEN)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in (192, 512):
        icon = draw_icon(size).quantize(colors=64, method=Image.Quantize.FASTOCTREE)
        icon.save(ICONS / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
