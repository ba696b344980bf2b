"""The gallery of screenshots in docs/screens/, and the README's picture (docs/screenshot.png),
taken by the page walk when asked:

    TELLUS_SCREENS=1 .venv/bin/python -m pytest -n 0 tests/browser/test_page_walk.py

Each PNG is reduced to 256 colours (as docs/ keeps its pictures small); a long page is cut at
twice the screen's height.
"""

import base64
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browser.conftest import ROOT, LiveServer

SCREENS = ROOT / "docs" / "screens"
README_PICTURE = ROOT / "docs" / "screenshot.png"

# The visits shown, by the URL the walk opens: a file name and a caption. All in English at both
# widths, from the usual organisation; those in ARABIC also in Arabic on a phone.
SHOWN: dict[str, tuple[str, str]] = {
    "/c/{counter_token}": ("customer-card", "The comment card"),
    "/c/{send_token}": ("customer-thanks", "The thank-you page"),
    "/f/{follow_up_token}": ("customer-follow-up", "The customer's follow-up page"),
    "/k/{kiosk_token}": ("customer-kiosk", "The card on a kiosk at the door"),
    "/kudos/{slug}?lang={lang}": ("customer-kudos-wall", "The kudos wall"),
    "/staff": ("staff-page", "The staff page: compliments passed on, certificates"),
    "/login": ("manager-sign-in", "Sign in"),
    "/inbox": ("manager-inbox", "The inbox"),
    "/inbox/{card_id}": ("manager-card", "A card in the inbox, with a reply and a note"),
    "/inbox/templates": ("manager-templates", "Reply templates"),
    "/inbox/leaderboard": ("manager-leaderboard", "The leaderboard"),
    "/analytics": ("manager-analytics", "Analytics"),
    "/account/security": ("manager-security", "Security: two-factor sign-in, password, email"),
    "/admin/organisation": ("owner-organisation", "Set-up: the organisation"),
    "/admin/locations": ("owner-locations", "Set-up: locations"),
    "/admin/employees": ("owner-employees", "Set-up: employees"),
    "/admin/codes": ("owner-codes", "Set-up: codes"),
    "/admin/print": ("owner-print", "Set-up: printing codes on sheets"),
    "/admin/people": ("owner-people", "Set-up: people and invitations"),
    "/admin/alerts": ("owner-alerts", "Set-up: alerts"),
}
ARABIC = {"/c/{counter_token}", "/c/{send_token}", "/f/{follow_up_token}", "/inbox"}


@dataclass
class Shot:
    name: str
    caption: str
    file: str
    width: str

    @property
    def role(self) -> str:
        return self.name.split("-")[0]


def save_small(png: bytes, path: Path, *, max_height: int | None = None) -> None:
    image = Image.open(BytesIO(png)).convert("RGB")
    if max_height and image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    image.quantize(colors=256, dither=Image.Dither.NONE).save(path, optimize=True)


class Gallery:
    def __init__(self, chromium: Browser, server: LiveServer) -> None:
        self.chromium = chromium
        self.server = server
        self.shots: list[Shot] = []
        self.inbox: bytes | None = None
        self.card: bytes | None = None
        SCREENS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Page, *, url: str, width: str, language: str, data: str) -> None:
        """Keep this page if the gallery shows it in this language, at this width."""
        arabic = language == "ar"
        if data != "usual" or url not in SHOWN or language not in ("en-US", "ar"):
            return
        if arabic and (url not in ARABIC or width != "phone"):
            return
        name, caption = SHOWN[url]
        file = f"{name}-{width}{'-ar' if arabic else ''}.png"
        height = page.viewport_size["height"] if page.viewport_size else 800
        save_small(page.screenshot(full_page=True), SCREENS / file, max_height=2 * height)
        self.shots.append(Shot(name, caption + (" (Arabic)" if arabic else ""), file, width))
        if arabic:
            return
        if url == "/inbox" and width == "desktop":
            self.inbox = page.screenshot()
        if url == "/c/{counter_token}" and width == "phone":
            page.locator("label.face").nth(4).click()
            page.locator("#comment").fill(
                "Best cinnamon bun in town, and Maya remembered my order!"
            )
            page.locator("#employee_id").select_option(index=1)
            page.evaluate("document.activeElement.blur()")
            self.card = page.screenshot()

    def finish(self) -> None:
        self.write_index()
        if self.inbox and self.card:
            self.draw_readme_picture(self.inbox, self.card)

    def write_index(self) -> None:
        lines = [
            "# Screens",
            "",
            "Every main page at phone (390×844) and desktop (1280×800) width, as the page walk",
            "(`tests/browser/test_page_walk.py`) opens them. To take them again:",
            "",
            "```sh",
            "TELLUS_SCREENS=1 .venv/bin/python -m pytest -n 0 tests/browser/test_page_walk.py",
            "```",
            "",
            "| who | page | screens |",
            "|---|---|---|",
        ]
        by_caption: dict[str, list[Shot]] = {}
        for shot in self.shots:
            by_caption.setdefault(shot.caption, []).append(shot)
        for caption, shots in by_caption.items():
            links = " · ".join(f"[{shot.width}]({shot.file})" for shot in shots)
            lines.append(f"| {shots[0].role} | {caption} | {links} |")
        (SCREENS / "README.md").write_text("\n".join(lines) + "\n")

    def draw_readme_picture(self, inbox: bytes, card: bytes) -> None:
        """The inbox on a desktop beside the card on a phone, on the app's pale green."""

        def source(png: bytes) -> str:
            return "data:image/png;base64," + base64.b64encode(png).decode()

        html = f"""<!doctype html><style>
            body {{ margin: 0; background: #e3ece9; width: 1600px; height: 862px;
                   display: flex; align-items: center; justify-content: center; gap: 56px; }}
            img {{ display: block; box-shadow: 0 12px 40px #0003; }}
            .desktop {{ width: 1060px; border-radius: 10px; }}
            .phone {{ width: 390px; border-radius: 28px; border: 8px solid #fff; }}
            </style><img class="desktop" src="{source(inbox)}">
            <img class="phone" src="{source(card)}">"""
        options: dict[str, Any] = {"viewport": {"width": 1600, "height": 862}}
        context = self.chromium.new_context(**options)
        page = context.new_page()
        page.set_content(html)
        save_small(page.screenshot(), README_PICTURE)
        context.close()
