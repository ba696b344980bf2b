"""The rule for a row id, and the `{name:id}` path convertor that applies it to every route.

Apart from api.web.ids, and with nothing but Starlette's convertors, so that the `api` package can
register the convertor (api/__init__.py) without importing FastAPI into every process: the card
writer's process, the alerts' worker and the command line import `api` too.
"""

import re

from starlette.convertors import Convertor, register_url_convertor

ID_PATTERN = "[0-9]{1,18}"
ID = re.compile(ID_PATTERN)
# Starlette ends a path's pattern with `$`, which also matches before a final newline.
PATH_PATTERN = ID_PATTERN + r"(?!\n)"
LARGEST_ID = 10**18 - 1


class IdConvertor(Convertor[int]):
    """`{card_id:id}` in a route's path: a path whose id breaks the rule matches no route (404)."""

    regex = PATH_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        text = str(int(value))
        assert ID.fullmatch(text), "An id is 1 to 18 digits"
        return text


def register_id_convertor() -> None:
    """Make `{name:id}` known; it must run before any router declares such a path."""
    register_url_convertor("id", IdConvertor())
