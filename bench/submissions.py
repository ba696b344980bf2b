"""Benchmark durable card submissions through the public API, with wrk, beside two references.

Starts `tellus serve` on the demo organisation (a fresh SQLite file, or TELLUS_DATABASE_URL if
set; `--workers` uvicorn workers, 1 by default) and sends cards to the demo counter's code
through `POST /api/v1/codes/{token}/cards` with wrk: each request a card of its own (its own
Idempotency-Key) from an address of its own (X-Forwarded-For), the card limits on. Every answer
but a 201 counts as an error. In the same rounds, the card page's HTML form, `POST /c/{token}`,
as phones send it: each card on a page of its own (its signed form token, opened a minute before,
and its key), every answer but the thank-you page's 200 an error, and the cards stored counted in
the database; the best round of each compared. A round of each warms them up first (not
counted). Then, at 80 % of the API's best rate, at a fixed arrival rate (card_page.PACED), for
the latency. Two references: in the same rounds, bench/bare_submit.py, a bare FastAPI route that
reads the same body and answers the same receipt (one worker, nothing stored), and, once the
servers have stopped, one row a transaction into a fresh SQLite file in WAL mode with
synchronous=FULL, from one thread.
The server sends the alerts from a thread of its own (`tellus serve`, as the README runs SQLite);
`--worker apart` has a `tellus worker` process send them beside `tellus serve --no-worker`, as the
Procfile runs them.
Usage: python bench/submissions.py [--seconds 10] [--connections 64] [--workers 1] [--rounds 2]
       [--worker apart|in-process]
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from card_page import positive_count, show, wrk
from demo_server import ROOT, DemoServer, demo_server, free_port
from sqlalchemy import create_engine, text

from api.app_settings import load_secret_key
from api.config import Settings
from api.protection.form_tokens import sign_card_token

# Each wrk thread gets its number, `id` (0 or 1: wrk() runs -t2).
NUMBERED_THREADS = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
"""

# Each wrk thread numbers its requests; together they make each key and address unique.
SCRIPT = (
    NUMBERED_THREADS
    + """
local counter = 0
function init(args)
  prefix = os.getenv("BENCH_PREFIX")
end
function request()
  counter = counter + 1
  local n = counter * 2 + id
  local address = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536) % 2,
    math.floor(n / 256) % 256, n % 256)
  -- A table of headers replaces wrk's own (-H): the client's Accept-Encoding goes here too.
  local headers = {}
  headers["Accept-Encoding"] = "gzip"
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, id, counter)
  headers["X-Forwarded-For"] = address
  local body = string.format('{"rating": %d, "comment": "Benchmark card %d"}', n % 5 + 1, n)
  return wrk.format("POST", path, headers, body)
end
"""
)


# The card page's form, each request the next of the bodies made for this run (BENCH_FORMS: a
# line each, shared out between wrk's two threads).
FORM_SCRIPT = (
    NUMBERED_THREADS
    + """
local bodies = {}
local sent = 0
function init(args)
  local index = 0
  for line in io.lines(os.getenv("BENCH_FORMS")) do
    if index % 2 == id then table.insert(bodies, line) end
    index = index + 1
  end
end
function request()
  sent = sent + 1
  local n = sent * 2 + id
  local headers = {}
  headers["Accept-Encoding"] = "gzip"  -- as every phone's browser asks
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-Forwarded-For"] = string.format("203.%d.%d.%d", math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
  return wrk.format("POST", path, headers, bodies[(sent - 1) % #bodies + 1])
end
"""
)


def form_bodies(server: DemoServer, count: int) -> Path:
    """`count` filled card forms, each from a page of its own opened a minute ago (past the
    minimum fill time), signed with the server's key as its card page would have."""
    engine = create_engine(server.database_url)
    secret = load_secret_key(engine=engine, settings=Settings(database_url=server.database_url))
    engine.dispose()
    opened, prefix = int(time.time()) - 60, f"form-{os.getpid()}-{time.time_ns()}"
    lines = (
        urlencode(
            {
                "form_token": sign_card_token(secret, server.token, issued_at=opened),
                "idempotency_key": f"{prefix}-{n}",
                "lang": "en",
                "rating": n % 5 + 1,
                "comment": f"Benchmark card {n}",
                "website": "",
            }
        )
        for n in range(count)
    )
    path = Path(tempfile.mkstemp(suffix=".txt")[1])
    path.write_text("\n".join(lines) + "\n")
    return path


def stored_cards(server: DemoServer) -> int:
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM card")).scalar_one())
    engine.dispose()
    return count


def run(url: str, pid: int, **options: object) -> dict:
    """`wrk` with keys no earlier run used (a key used before would replay its card)."""
    os.environ["BENCH_PREFIX"] = f"bench-{os.getpid()}-{time.time_ns()}"
    return wrk(url, pid, script=SCRIPT, **options)  # type: ignore[arg-type]


def raw_inserts(seconds: float) -> float:
    """Rows a second, one a transaction, WAL and synchronous=FULL, one thread."""
    folder = tempfile.mkdtemp(prefix="tellus-raw-")
    connection = sqlite3.connect(f"{folder}/raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE card (id INTEGER PRIMARY KEY, rating INT, comment TEXT)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO card (rating, comment) VALUES (4, 'Benchmark card')")
        connection.execute("COMMIT")
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=positive_count, default=2)
    parser.add_argument(
        "--worker",
        choices=("apart", "in-process"),
        default="in-process",
        help="the alerts' worker: a thread of the server's (`tellus serve`, as the README runs"
        " SQLite), or a `tellus worker` process beside `tellus serve --no-worker` (the Procfile)",
    )
    args = parser.parse_args()
    with demo_server(workers=args.workers, worker_apart=args.worker == "apart") as server:
        print(
            f"engine: {server.database_url.split(':', 1)[0]}; {args.workers} worker(s);"
            f" the alerts' worker {args.worker}; load average {os.getloadavg()}"
        )
        peak = measure(
            server, seconds=args.seconds, connections=args.connections, rounds=args.rounds
        )["cards"]["rate"]
    raw = raw_inserts(5)  # with the servers stopped
    print(f"raw SQLite inserts, one a transaction: {raw:.0f}/s; best round / raw: {peak / raw:.3f}")
    print(f"load average after: {os.getloadavg()}")


def measure(server: DemoServer, *, seconds: int, connections: int, rounds: int) -> dict:
    """Print each step, and return the best round: the app's figures ("cards") and the bare
    route's in the same round ("bare"); the errors of every round ("errors"); then the form's
    (its best round "form", and over all its rounds "form_stored", the cards stored, and
    "form_answered", the answers) and the app's at 80 % of its best rate ("paced", "asked").

    Each round runs the API, the bare route and the form, in turn, the order reversed every
    other round: the database grows by a round's cards, and neither the API nor the form always
    meets the larger one. A first round of each warms them up, its errors and the form's cards
    counted and its rates not."""
    timing = {"seconds": seconds, "connections": connections}
    path = f"/api/v1/codes/{server.token}/cards"
    fastest = 0.0  # the API's best rate so far: how many filled forms a round may need
    form_stored = form_answered = 0

    def api() -> dict:
        nonlocal fastest
        figures = run(f"{server.url}{path}", server.pid, **timing)
        fastest = max(fastest, figures["rate"])
        return figures

    def form() -> dict:
        nonlocal form_stored, form_answered
        # Room for a form three times as fast as the API's best round so far: a body sent twice
        # would be a replay, stored once and counted as an error.
        bodies = int(fastest * seconds * 3)
        os.environ["BENCH_FORMS"] = str(form_bodies(server, bodies))
        before = stored_cards(server)
        figures = wrk(f"{server.url}/c/{server.token}", server.pid, script=FORM_SCRIPT, **timing)
        if figures["requests"] > bodies:
            print(f"the form sent {figures['requests']} cards on {bodies} pages: some twice")
        form_stored += stored_cards(server) - before
        form_answered += figures["requests"]
        return figures

    results: dict[str, list[dict]] = {"cards": [], "bare": [], "form": []}
    errors = 0
    with bare_server() as bare_route:
        steps = {
            "cards": api,
            "bare": lambda: run(f"{bare_route.url}{path}", bare_route.pid, **timing),
            "form": form,
        }
        for round_ in range(rounds + 1):
            label = f"round {round_}" if round_ else "warm-up"
            for name in ("cards", "bare", "form")[:: -1 if round_ % 2 else 1]:
                figures = steps[name]()
                show(f"{NAMES[name]}, {label}", figures)
                if name != "bare":
                    errors += figures["errors"]
                if round_:
                    results[name].append(figures)
            if round_:
                api_round, bare_round = results["cards"][-1], results["bare"][-1]
                print(
                    "ratio to the bare route:"
                    f" {api_round['rate'] / bare_round['rate']:.2f} in requests a second,"
                    f" {bare_round['cpu'] / api_round['cpu']:.2f} in server CPU a request"
                )
    best = max(range(rounds), key=lambda index: results["cards"][index]["rate"])
    cards, reference = results["cards"][best], results["bare"][best]
    form_best = max(results["form"], key=lambda figures: figures["rate"])
    print(
        f"cards stored by the form: {form_stored} (wrk counted {form_answered} answers);"
        f" form to API: {form_best['rate'] / cards['rate']:.2f} in cards a second, best round"
        " of each"
    )
    rate = 0.8 * cards["rate"]
    paced = run(f"{server.url}{path}", server.pid, paced_rate=rate, **timing)
    show(f"cards at {rate:.0f}/s asked", paced)
    errors += paced["errors"]
    return {
        "cards": cards,
        "bare": reference,
        "errors": errors,
        "form": form_best,
        "form_stored": form_stored,
        "form_answered": form_answered,
        "paced": paced,
        "asked": rate,
    }


NAMES = {"cards": "cards", "bare": "bare route", "form": "HTML form"}


class BareServer:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, ROOT / "bench" / "bare_submit.py", str(port)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.pid = self.process.pid

    def __enter__(self) -> "BareServer":
        for _ in range(100):
            try:
                httpx.get(f"{self.url}/docs")
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("bench/bare_submit.py did not start")

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def bare_server() -> BareServer:
    return BareServer(free_port())


if __name__ == "__main__":
    main()
