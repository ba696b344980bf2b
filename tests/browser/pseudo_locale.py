"""A pseudo-language for tests only: every message of the catalogue as "[Ťéšť]", so English left
untranslated on a page stands out as plain ASCII outside brackets.

It is built in memory from the English catalogue (which holds every message id) when a test's
server starts with `uvicorn --factory tests.browser.pseudo_locale:create_app`; nothing of it is
in api/locales, so users never see it.
"""

import re
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import FastAPI

from api import main
from api.i18n import DOMAIN, LANGUAGES, LOCALES, Language

PSEUDO_TAG = "en-XA"
PSEUDO_NAME = "[Ƥšéűďó]"
# Kept as they are: placeholders, markup and entities (a page needs them to work).
KEPT = re.compile(r"(%\([^)]*\)[sdif]|%[sdif%]|\{[^}]*\}|<[^>]*>|&\w+;)")
ACCENTED = str.maketrans(
    "AaBCcDdEeGgHhIiJjKkLlNnOoPRrSsTtUuWwYyZz",
    "ÅåƁĈçĎďÉéĜĝĤĥÎîĴĵĶķĹĺÑñÖöƤŘřŠšŤťÛûŴŵÝýŽž",
)


def pseudo(message: str) -> str:
    """ "Send" as "[Šéñď]": letters accented, placeholders and markup kept, the whole bracketed."""
    parts = KEPT.split(message)
    return "[" + "".join(p if KEPT.fullmatch(p) else p.translate(ACCENTED) for p in parts) + "]"


def pseudo_language() -> Language:
    with (LOCALES / "en" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po_file:
        catalog = read_po(po_file, locale="en", domain=DOMAIN)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(pseudo(form) for form in message.id)
        else:
            message.string = pseudo(message.id)
        message.flags.discard("fuzzy")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = Translations(compiled, domain=DOMAIN)
    return Language(
        tag=PSEUDO_TAG, name=PSEUDO_NAME, direction="ltr", catalogue=lambda: translations
    )


def create_app() -> FastAPI:
    """The app, speaking the pseudo-language too (for `Accept-Language: en-XA`)."""
    LANGUAGES[PSEUDO_TAG.lower()] = pseudo_language()
    return main.create_app()
