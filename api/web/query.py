"""Reading a query string's values leniently: a value that makes no sense means "any"."""


def optional_int(value: str | None, *, low: int = 1, high: int = 10**18) -> int | None:
    """A filter from the query string; an empty or nonsense value means "any"."""
    if value and value.isdigit() and low <= int(value) <= high:
        return int(value)
    return None
