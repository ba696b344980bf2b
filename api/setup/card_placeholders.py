"""The one placeholder an owner may write in a card text: {name}, the card's employee or place.

"How was your visit with {name}?" reads "How was your visit with Priya?" on Priya's badge and
"How was your visit with Terrace?" on the terrace's card. A text is checked when it is saved; one
stored before the check that does not parse is shown as it was written.
"""

from string import Formatter

from api.i18n import N_

PLACEHOLDER = "name"
LONE_BRACE = N_("A brace is not closed: write {name} where the name goes, braces and all.")
UNKNOWN = N_("Only {name} can be filled in (the employee's or the place's name), as written.")


def placeholder_problem(text: str) -> str | None:
    """Why the text's braces would not work on a card, or None when they would."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return LONE_BRACE
    for _, field, spec, conversion in parts:
        if field is not None and (field != PLACEHOLDER or spec or conversion):
            return UNKNOWN
    return None


def fill_in_name(text: str, name: str) -> str:
    """The text with each {name} replaced by `name` ({{ and }} are literal braces)."""
    if "{" not in text and "}" not in text:
        return text
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return text
    filled = []
    for literal, field, _, _ in parts:
        filled.append(literal)
        if field == PLACEHOLDER:
            filled.append(name)
        elif field is not None:
            filled.append("{" + field + "}")
    return "".join(filled)
