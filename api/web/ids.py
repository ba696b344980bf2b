"""Row ids: one rule (1 to 18 ASCII digits) for a path, a query string, a form and a JSON body.

Eighteen digits always fit a 64-bit column: a longer number would fail in the database (a 500)
rather than be an id that does not exist. `int()` alone would also take `+1`, ` 1`, `1_0` and
other scripts' digits.
"""

from typing import Annotated

from pydantic import BeforeValidator, Field

from api.errors import NotFound
from api.web.id_rule import ID, LARGEST_ID


def parse_id(value: str | None) -> int | None:
    """An id from a query string or a form field; anything else (or nothing) is None."""
    return int(value) if value is not None and ID.fullmatch(value) else None


def require_id(value: str) -> int:
    """An id a form names: one that breaks the rule is the same 404 as one that does not exist."""
    found = parse_id(value)
    if found is None:
        raise NotFound()
    return found


def _check_id(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"An id is a number, not {value!r}")
    if isinstance(value, str) and not ID.fullmatch(value):
        raise ValueError(f"An id is 1 to 18 digits (0-9), not {value!r}")
    return value


# A row id in a JSON body, a form's schema or a JSON route's query string: a string that breaks
# the rule is a 422, and so is a number outside it, 0 (which no row has) included, as the API has
# always answered.
RowId = Annotated[int, Field(ge=1, le=LARGEST_ID), BeforeValidator(_check_id)]
