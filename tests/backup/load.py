"""A customer load from another process: `python -m tests.backup.load URL TOKEN COUNT` sends
COUNT cards through the customer's own path and prints each card's id once it is stored."""

import sys

from api.customer.cards import submit_card
from api.customer.codes import load_code_context
from api.customer.schemas import CardIn
from api.db import create_db_engine


def main(url: str, token: str, count: int) -> None:
    engine = create_db_engine(url)
    context = load_code_context(engine=engine, raw_token=token)
    assert context is not None
    for number in range(count):
        stored = submit_card(
            engine=engine,
            context=context,
            data=CardIn(rating=1 + number % 5, comment=f"Card number {number} of the load"),
            idempotency_key=f"load-{number}",
            language="en",
            secret="a load's secret",
        )
        # Written only once committed: every id written is an acknowledged card.
        sys.stdout.write(f"{stored.card.id}\n")
        sys.stdout.flush()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
