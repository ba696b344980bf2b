"""What text may hold: characters every engine stores and every page shows.

Control characters (but tab, line feed and carriage return), lone surrogates and the two
noncharacters U+FFFE and U+FFFF have no place in a card or a name: PostgreSQL refuses NUL outright
(a 500, and the card lost), and the others are invisible on a page. A customer's text is cleaned of
them, never refused: nobody loses a card to a character they cannot see. A manager's text that
holds one is refused with a message, and a search is cleaned before it reaches the database.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from api.i18n import N_

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def cleaned(value: str) -> str:
    """The text without the characters it may not hold."""
    return UNSTORABLE.sub("", value)


def _clean(value: object) -> object:
    return cleaned(value) if isinstance(value, str) else value


def _refuse(value: str) -> str:
    if UNSTORABLE.search(value):
        raise ValueError(N_("This text holds an invisible control character: remove it."))
    return value


# A customer's field: cleaned, whatever was pasted into it.
CustomerText = Annotated[str, BeforeValidator(_clean)]
# A manager's field: refused (a 422 beside the field) if it holds such a character.
ManagerText = Annotated[str, AfterValidator(_refuse)]
