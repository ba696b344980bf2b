"""The catalogues are complete and current, and a language is found the way browsers ask for it."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from api.i18n import LANGUAGES, LOCALES, Catalogue, accepted_languages, find_language

ROOT = Path(__file__).resolve().parents[1]
# The same command as README's "Languages" section, into a temporary template.
EXTRACT = [
    "pybabel",
    "--quiet",
    "extract",
    "-F",
    str(ROOT / "babel.cfg"),
    "--ignore-dirs=.* __pycache__",
    "--add-location=file",
    "--sort-by-file",
]
CATALOGUES = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
SPOKEN = {"en", "es", "fr", "de", "pt", "zh-Hans", "ar"}


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=path.parent.parent.name)


def message_ids(catalog: Catalog) -> set[str]:
    return {str(message.id) for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates ask to translate today."""
    template = tmp_path_factory.mktemp("babel") / "messages.pot"
    CommandLineInterface().run([*EXTRACT, "-o", str(template), str(ROOT)])
    with template.open("rb") as pot_file:
        return read_po(pot_file)


def test_the_languages_we_promise_are_all_there() -> None:
    assert {language.tag for language in LANGUAGES.values()} == SPOKEN
    assert LANGUAGES["ar"].direction == "rtl"
    assert {language.direction for tag, language in LANGUAGES.items() if tag != "ar"} == {"ltr"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(path: Path) -> None:
    catalog = read_catalogue(path)
    assert not catalog.fuzzy, f"{path}: the header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    # Placeholders such as %(name)s must survive translation exactly.
    for message, errors in catalog.check():
        problems.extend(f"{error}: {message.id!r}" for error in errors)
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_catalogue_is_up_to_date_with_the_code(path: Path, extracted: Catalog) -> None:
    wanted, present = message_ids(extracted), message_ids(read_catalogue(path))
    how = "see README, 'Languages': extract, `pybabel update`, then translate"
    assert not wanted - present, f"{path} lacks {sorted(wanted - present)} ({how})"
    assert not present - wanted, f"{path} has unused {sorted(present - wanted)} ({how})"


def test_a_catalogue_asked_for_at_once_by_many_requests_is_compiled_once() -> None:
    german = Catalogue(LOCALES / "de" / "LC_MESSAGES" / "messages.po", Locale.parse("de"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda _: german(), range(8)))

    assert all(translations is found[0] for translations in found)
    assert found[0].gettext("Send") == LANGUAGES["de"].gettext("Send") != "Send"


def test_every_language_translates_the_card_page() -> None:
    for language in LANGUAGES.values():
        if language.tag != "en":
            assert language.gettext("Send") != "Send", language.tag


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("es-MX", "es"),
        ("pt-BR", "pt"),
        ("pt_PT", "pt"),
        ("FR-ca", "fr"),
        ("de", "de"),
        ("ar-EG", "ar"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-TW", None),
        ("zh-Hant", None),
        ("ja", None),
        ("*", None),
        ("", None),
        ("en-" + "x" * 40, None),
    ],
)
def test_a_language_tag_finds_its_catalogue(tag: str, expected: str | None) -> None:
    found = find_language(tag)
    assert (found.tag if found else None) == expected


def test_accept_language_is_read_by_preference() -> None:
    header = "fr;q=0.5, de-CH, en;q=0.8, it;q=0, *;q=0.1, es;q=oops"
    assert accepted_languages(header) == ["de-CH", "en", "fr", "*"]
    assert accepted_languages("") == []
    found = find_language(*accepted_languages("ja, zh-TW;q=0.9, pt-BR;q=0.8, en;q=0.7"))
    assert found is not None
    assert found.tag == "pt"


def test_no_template_writes_a_back_links_arrow_itself() -> None:
    """A written "←" points the wrong way in Arabic: a back link is `<a class="back">`, whose
    arrow the style sheet turns with the page's direction (checked by the page walk)."""
    templates = Path(__file__).resolve().parent.parent / "web" / "templates"
    written = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "←" in line
    ]
    assert not written, f'Write a back link as <a class="back" href="…">: {written}'
