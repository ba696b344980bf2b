"""The customer's language: gettext catalogues compiled from our .po files, and choosing one.

A page's language comes from, in order: the card form's hidden `lang` field (so the answer to a POST
speaks the language the form was shown in), `?lang=` (the switcher's plain links), the browser's
Accept-Language, the organisation's default, then English. Nothing is remembered in a cookie.
Templates get the chosen catalogue in their context, never through the shared environment's globals,
so concurrent requests in different languages cannot see each other's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from threading import Lock
from typing import Any

from babel import Locale
from babel.core import UnknownLocaleError, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
FALLBACK = "en"
# Simplified Chinese for the tags that mean it; an explicit Traditional one (zh-TW, zh-Hant) falls
# through to the customer's next language rather than getting a script they did not ask for.
ALIASES = {"zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-my": "zh-Hans"}
LONGEST_TAG = 35
# Longer Accept-Language headers are worked out each time, not remembered.
LONGEST_REMEMBERED = 200


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel finds `N_`); it is translated when shown."""
    return message


@dataclass(frozen=True)
class Language:
    tag: str  # BCP 47, as in <html lang> and ?lang=: "zh-Hans"
    name: str  # in its own language, for the switcher: "中文 (简体)"
    direction: str  # "ltr" or "rtl"
    catalogue: Callable[[], Translations]  # the same compiled catalogue at every call

    @property
    def translations(self) -> Translations:
        return self.catalogue()

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)


class Catalogue:
    """A .po file compiled in memory the first time a page or message needs it (fuzzy entries left
    out, as msgfmt does): a process that shows no page in a language never pays for compiling it."""

    def __init__(self, path: Path, locale: Locale) -> None:
        self.path = path
        self.locale = locale
        self.compiled: Translations | None = None
        self.lock = Lock()

    def __call__(self) -> Translations:
        if self.compiled is None:
            with self.lock:  # two requests in a new language compile it once
                if self.compiled is None:
                    self.compiled = self.compile()
        return self.compiled

    def compile(self) -> Translations:
        with self.path.open("rb") as po_file:
            catalog = read_po(po_file, locale=self.locale, domain=DOMAIN)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        return Translations(compiled, domain=DOMAIN)


def load_language(folder: Path) -> Language:
    """A language of api/locales: its name and direction now, its catalogue when first used."""
    locale = Locale.parse(folder.name)
    name = locale.display_name or folder.name
    return Language(
        tag=folder.name.replace("_", "-"),
        name=name[:1].upper() + name[1:],
        direction=locale.text_direction,
        catalogue=Catalogue(folder / "LC_MESSAGES" / f"{DOMAIN}.po", locale),
    )


# Found once per process, at import (no build step, and no binary file in git); each catalogue is
# compiled on first use.
LANGUAGES: dict[str, Language] = {
    language.tag.lower(): language
    for language in (
        load_language(folder)
        for folder in sorted(LOCALES.iterdir())
        if (folder / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )
}
ENGLISH = LANGUAGES[FALLBACK]


@cache
def babel_locale(tag: str) -> Locale:
    """Babel's locale for a language tag, to write dates; English's for a tag Babel does not know
    (such as the tests' pseudo-language)."""
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def canonical_tag(tag: str) -> str:
    tag = tag.strip().replace("_", "-").lower()
    return "zh-hans" if tag.startswith("zh-hans") else tag


def find_language(*tags: str | None) -> Language | None:
    """The first of these language tags with a catalogue ("es-MX" finds Spanish), or None."""
    preferred = [canonical_tag(tag) for tag in tags if tag and len(tag) <= LONGEST_TAG]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="-", aliases=ALIASES)
    return LANGUAGES.get(found.lower()) if found else None


def accepted_languages(header: str) -> list[str]:
    """An Accept-Language header's tags, most wanted first ("q=0" means "not this one")."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, *parameters = item.split(";")
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(request: Request, *, default: str, chosen: str | None = None) -> Language:
    """The form's `lang`, else `?lang=`, else Accept-Language, else the default, else English."""
    # A card page's address rarely has a query: parsing none costs a scan a few microseconds.
    asked = request.query_params.get("lang") if request.scope.get("query_string") else None
    accepted = request.headers.get("accept-language", "")
    if len(accepted) > LONGEST_REMEMBERED or max(len(chosen or ""), len(asked or "")) > LONGEST_TAG:
        return _choose_language.__wrapped__(chosen, asked, accepted, default)
    return _choose_language(chosen, asked, accepted, default)


@lru_cache(maxsize=4096)
def _choose_language(
    chosen: str | None, asked: str | None, accepted: str, default: str
) -> Language:
    # Remembered: every card page asks, and phones send a handful of distinct headers.
    return (
        find_language(chosen)
        or find_language(asked)
        or find_language(*accepted_languages(accepted))
        or find_language(default)
        or ENGLISH
    )


def set_page_language(request: Request, *, default: str, chosen: str | None = None) -> Language:
    """Choose the language of this request's page; its templates and messages will use it."""
    language = choose_language(request, default=default, chosen=chosen)
    request.state.language = language
    return language


def page_language(request: Request) -> Language:
    """The language set for this request's page, else one chosen from the request itself."""
    language = getattr(request.state, "language", None)
    if isinstance(language, Language):
        return language
    return set_page_language(request, default=FALLBACK)


def translate(request: Request, message: str) -> str:
    """A message marked with N_(), in the page's language (unknown messages stay as they are)."""
    return page_language(request).gettext(message)


def language_context(request: Request) -> dict[str, Any]:
    """What every template gets: `lang` and `dir` for <html>, the catalogue, the switcher's list."""
    language = page_language(request)
    return {
        "lang": language.tag,
        "dir": language.direction,
        "language": language,
        "languages": tuple(LANGUAGES.values()),
        "translations": language.translations,
    }


def context_translations(context: Context) -> Translations:
    translations = context.get("translations")
    return translations if isinstance(translations, Translations) else ENGLISH.translations


@pass_context
def context_gettext(context: Context, message: str) -> str:
    return context_translations(context).gettext(message)


@pass_context
def context_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return context_translations(context).ngettext(singular, plural, count)


@pass_context
def context_pgettext(context: Context, message_context: str, message: str) -> str:
    """A message whose words depend on what it is said of ("revoked" of a code or of a key)."""
    return str(context_translations(context).pgettext(message_context, message))
