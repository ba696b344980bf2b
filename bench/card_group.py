"""What the card writer spends storing one group of one card: CPU time, or instructions counted.

Creates the demo organisation on a fresh SQLite file (or TELLUS_DATABASE_URL, an empty PostgreSQL
database), then stores groups of one card each with `insert_cards`, as the card process stores a
lone customer's card, and prints the CPU time a group. A group of one is the writer's dearest
case: it is what every card costs when cards come one at a time.

CPU time varies from one run to the next by more than a change worth making (1.0–1.6 ms a group
on one machine); `--instructions` counts the instructions of the groups alone under valgrind's
callgrind instead, which gives the same count within half a percent from run to run, whatever
else the machine is doing. On PostgreSQL it counts this process's work, not the server's.
Usage: python bench/card_group.py [--groups 2000] [--alerts] [--instructions]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from card_page import positive_count
from sqlmodel import Session

from api.customer.cards import insert_cards, new_card
from api.customer.codes import load_code_context
from api.customer.schemas import CardIn
from api.db import create_db_engine, migrate
from api.models import Card
from api.setup.demo import create_demo

WARM_UP_GROUPS = 20
# Under valgrind, the parent and the counted child meet through these files.
READY, GO = ".ready", ".go"


def cards(count: int, *, alerts: bool, url: str) -> tuple[list[Card], object]:
    """The demo organisation on `url`, its engine, and `count` new cards for its first code."""
    migrate(url)
    engine = create_db_engine(url, ping=False)  # as the card process opens it
    with Session(engine, expire_on_commit=False) as session:
        demo = create_demo(session=session)
    context = load_code_context(engine=engine, raw_token=demo.codes[0].token)
    assert context is not None
    made = [
        new_card(
            context=context,
            data=CardIn(rating=index % 5 + 1, comment=f"Benchmark card {index}"),
            idempotency_key=f"group-{os.getpid()}-{index}",
            language="en",
            secret="s" * 32,
            form_nonce=f"form-{os.getpid()}-{index}",
            alerts=alerts,
        ).card
        for index in range(count + WARM_UP_GROUPS)
    ]
    return made, engine


def store(groups: int, *, alerts: bool, sync: str | None) -> None:
    url = os.environ.get("TELLUS_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/group.db"
    made, engine = cards(groups, alerts=alerts, url=url)
    for card in made[:WARM_UP_GROUPS]:
        insert_cards(engine=engine, cards=[card])  # type: ignore[arg-type]
    if sync is not None:  # counted from here: the parent turns callgrind's counting on
        Path(sync + READY).touch()
        while not Path(sync + GO).exists():
            time.sleep(0.05)
    started, clock = time.process_time(), time.perf_counter()
    for card in made[WARM_UP_GROUPS:]:
        insert_cards(engine=engine, cards=[card])  # type: ignore[arg-type]
    cpu, wall = time.process_time() - started, time.perf_counter() - clock
    if sync is not None:
        os._exit(0)  # the count ends here, without the interpreter's exit
    print(
        f"{groups} groups of one card: {cpu / groups * 1e6:.0f} µs of CPU a group, "
        f"{wall / groups * 1e6:.0f} µs of wall time"
    )


def count_instructions(groups: int, *, alerts: bool) -> None:
    """This script again under callgrind, counting only its groups."""
    folder = tempfile.mkdtemp(prefix="tellus-group-")
    sync = f"{folder}/sync"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={folder}/callgrind.out",
        sys.executable,
        __file__,
        "--groups",
        str(groups),
        "--sync",
        sync,
        *(["--alerts"] if alerts else []),
    ]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while not Path(sync + READY).exists():
        if child.poll() is not None:
            raise SystemExit(f"the counted run failed:\n{child.stdout.read()}")  # type: ignore[union-attr]
        time.sleep(0.2)
    subprocess.run(
        ["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True
    )
    Path(sync + GO).touch()
    output, _ = child.communicate()
    total = int(re.search(r"Collected : (\d+)", output).group(1))  # type: ignore[union-attr]
    print(f"{groups} groups of one card: {total / groups:,.0f} instructions a group")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=positive_count, default=2000)
    parser.add_argument("--alerts", action="store_true", help="route every card's alerts")
    parser.add_argument("--instructions", action="store_true", help="count under callgrind")
    parser.add_argument("--sync", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        count_instructions(args.groups, alerts=args.alerts)
    else:
        store(args.groups, alerts=args.alerts, sync=args.sync)


if __name__ == "__main__":
    main()
