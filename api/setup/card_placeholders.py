"""The placeholders an owner may write in a card text: {name} and {days}.

{name} is the card's employee or place: "How was your visit with {name}?" reads "How was your
visit with Priya?" on Priya's badge and "How was your visit with Terrace?" on the terrace's card.
{days} is how long contact details are kept (api.lifecycle): "We keep your email for {days} days."
A text is checked when it is saved; one stored before the check that does not parse is shown as
it was written.
"""

from string import Formatter

from api.i18n import N_

PLACEHOLDER = "name"
DAYS = "days"
LONE_BRACE = N_("A brace is not closed: write {name} where the name goes, braces and all.")
UNKNOWN = N_(
    "Only {name} (the employee's or the place's name) and {days} (how many days contact "
    "details are kept) can be filled in, as written."
)


def placeholder_problem(text: str) -> str | None:
    """Why the text's braces would not work on a card, or None when they would."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return LONE_BRACE
    for _, field, spec, conversion in parts:
        if field is not None and (field not in (PLACEHOLDER, DAYS) or spec or conversion):
            return UNKNOWN
    return None


def fill_in_name(text: str, name: str) -> str:
    """The text with each {name} replaced by `name` ({{ and }} are literal braces)."""
    return fill_in(text, {PLACEHOLDER: name})


def needs_days(text: str) -> bool:
    """Whether the text says {days}: without a retention policy it cannot be shown."""
    try:
        return any(field == DAYS for _, field, _, _ in Formatter().parse(text))
    except ValueError:
        return False


def fill_in(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder in `values` replaced ({{ and }} are literal braces)."""
    if "{" not in text and "}" not in text:
        return text
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return text
    filled = []
    for literal, field, _, _ in parts:
        filled.append(literal)
        if field is not None and field in values:
            filled.append(values[field])
        elif field is not None:
            filled.append("{" + field + "}")
    return "".join(filled)
