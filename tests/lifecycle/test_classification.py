"""Every text column is classified in one place, and what it says can be acted on."""

from api.lifecycle.classification import COLUMNS, Data
from api.lifecycle.walk import ACCOUNT, CARD, ORGANISATION, owners, tables, text_columns

WHERE = "api/lifecycle/classification.py (COLUMNS)"


def test_every_text_column_is_classified() -> None:
    """A new text column fails here until someone says whether it is personal."""
    unclassified = [
        f"{table.name}.{column.name}"
        for table in tables()
        for column in text_columns(table)
        if column.name not in COLUMNS.get(table.name, {})
    ]
    assert not unclassified, (
        f"Classify {', '.join(unclassified)} in {WHERE}: CONTACT, PERSONAL, EXPIRING or "
        "NOT_PERSONAL (see Data's comments). The retention job, rights requests and an "
        "organisation's deletion act on what it says."
    )


def test_no_classification_names_a_missing_column() -> None:
    known = {f"{table.name}.{column.name}" for table in tables() for column in text_columns(table)}
    listed = {f"{table}.{column}" for table, columns in COLUMNS.items() for column in columns}
    assert not listed - known, f"Remove {sorted(listed - known)} from {WHERE}"


def test_personal_columns_belong_to_something_that_deletes_them() -> None:
    """Contact details sit on a card or what it owns; other personal text on something the
    walk deletes (a card, an organisation, an account); the rest must expire by itself."""
    for table in tables():
        reach = owners(table) | {table.name}
        for column, kind in COLUMNS.get(table.name, {}).items():
            where = f"{table.name}.{column}"
            if kind == Data.CONTACT:
                assert CARD in reach, f"{where}: contact details outside a card's rows"
            if kind == Data.PERSONAL:
                assert reach & {CARD, ORGANISATION, ACCOUNT}, (
                    f"{where}: nothing owns this table, so nothing deletes it: add an owner "
                    "foreign key (NOT NULL or ON DELETE CASCADE) or make it EXPIRING"
                )


def test_nothing_stores_a_client_address_or_browser() -> None:
    """No IP address or user agent is kept with a card, or anywhere else under such a name."""
    suspicious = ("ip", "ip_address", "remote_addr", "user_agent", "client", "client_address")
    found = [
        f"{table.name}.{column.name}"
        for table in tables()
        for column in table.columns
        if column.name in suspicious or column.name.endswith(("_ip", "_user_agent"))
    ]
    assert not found
