"""What the page walk checks on each page, each returning the problems it found as sentences."""

import re
from typing import Any

from playwright.sync_api import Page

from tests.browser.test_accessibility import WCAG_AA, describe

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type))
    .filter(e => !e.closest('[hidden], [aria-hidden=true]'))
    .filter(e => !(e.labels && [...e.labels].some(l => l.textContent.trim()))
        && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !e.title)
    .map(e => e.outerHTML.slice(0, 160))"""

# Every text a person reads or hears: text nodes, the attributes read aloud, the title.
# With `skipTimes`, the text of <time> elements (dates written by Babel) is left out.
PAGE_TEXT = """skipTimes => {
    const texts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, element = node.parentElement;
        if (!element || !node.textContent.trim()) continue;
        // <code> is machine text (a key, an address, a header, a command): no language's words.
        if (element.closest('script, style, template, textarea, code')) continue;
        // Words marked as another language's (a language's own name, a place's English name).
        if (element.closest('[lang]') !== document.documentElement) continue;
        if (skipTimes && element.closest('time')) continue;
        texts.push(node.textContent.trim());
    }
    for (const element of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]'))
        for (const name of ['placeholder', 'aria-label', 'title', 'alt'])
            if (element.getAttribute(name)) texts.push(element.getAttribute(name));
    for (const button of document.querySelectorAll('input[type=submit], input[type=button]'))
        texts.push(button.value);
    return texts;
}"""

# "card.replied": a message's key shown instead of its words.
RAW_KEY = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*(?![\w@/-])")
# A QR code's address is written in capitals (its compact alphanumeric mode).
EMAIL_OR_LINK = re.compile(r"\S+@\S+|https?://\S+|\S+\.example\b", re.IGNORECASE)
PSEUDO_TEXT = re.compile(r"\[[^\]]*\]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin words the Arabic and Chinese catalogues keep on purpose (names of formats and standards).
KEPT_IN_LATIN = {
    *("QR", "PNG", "SVG", "PDF", "CSV", "API", "URL", "TOTP", "NFC", "UTC", "Email"),
    *("JSON", "TLS", "STARTTLS", "Slack", "JPEG", "WebP", "MB"),
}


def overflow(page: Page) -> list[str]:
    """The document is wider than the viewport (the page scrolls sideways)."""
    wide, viewport = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if wide <= viewport:
        return []
    culprits = page.evaluate(
        """width => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > width + 1
                && e.getBoundingClientRect().left < width)
            .slice(-3).map(e => e.outerHTML.slice(0, 120))""",
        viewport,
    )
    return [f"{wide} px wide at {viewport}; widest: {culprits}"]


BACK_ARROWS = """() => [...document.querySelectorAll('a.back')]
    .map(a => getComputedStyle(a, '::before').content)"""


def back_arrows(page: Page) -> list[str]:
    """A back link's arrow points to where the page reads from: left, or right in Arabic."""
    rtl = page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    wanted, wrong = ("→", "←") if rtl else ("←", "→")
    return [
        f"a back link's arrow is {content}, not {wanted}"
        for content in page.evaluate(BACK_ARROWS)
        if wanted not in content or wrong in content
    ]


def unlabelled_controls(page: Page) -> list[str]:
    return [f"form control without a label: {html}" for html in page.evaluate(UNLABELLED)]


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.2 A and AA rules, run in the page (evaluated, so the CSP stays on)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    results: dict[str, Any] = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]},
    )
    violations = results["violations"]
    return [f"axe-core:\n{describe(violations)}"] if violations else []


def without(text: str, data: list[str]) -> str:
    for value in data:
        text = text.replace(value, " ")
    return EMAIL_OR_LINK.sub(" ", text)


def untranslated(page: Page, *, language: str, data: list[str]) -> list[str]:
    """Raw message keys in any language; English words left on a page in the pseudo-language,
    or Latin words on a page in Arabic or Chinese (whose dates are checked too)."""
    pseudo = language == "en-XA"
    latin_script = language.split("-")[0] not in ("ar", "zh")
    data = sorted(data, key=len, reverse=True)
    texts = [without(text, data) for text in page.evaluate(PAGE_TEXT, pseudo or latin_script)]
    problems = [f"raw message key {key!r}" for text in texts for key in RAW_KEY.findall(text)]
    for text in texts:
        if pseudo:
            words = LATIN_WORD.findall(PSEUDO_TEXT.sub(" ", text))
        elif not latin_script:
            words = [word for word in LATIN_WORD.findall(text) if word not in KEPT_IN_LATIN]
        else:
            words = []
        if words:
            problems.append(f"untranslated {words} in {text.strip()[:100]!r}")
    return problems
