"""Live servers started from a warm process: uvicorn as its own process, without the seconds of
importing the app and building its routes each time.

A test process makes dozens of live servers (one per browser module and engine, two for the
multi-process tests). Started cold, `python -m uvicorn` spends about 4 s of CPU importing the app
and building its 225 routes before it serves anything. Here one forkserver per test process
imports all of that once (tests/server_warm.py is its preload), and each server is a fork of
it: a process of its own, with its own environment, database connections and signals, ready in
a fraction of a second. Nothing in the forkserver opens a database or starts a thread before
it forks.
"""

import multiprocessing
import os
import sys
from collections.abc import Sequence
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from socket import socket

import uvicorn

from api.config import Settings
from api.i18n import LANGUAGES
from api.main import create_app


def warm_up() -> None:
    """Import every module a server needs, build an app once (its routes' modules are imported
    when it is built) and compile every language's catalogue, before the forkserver forks."""
    import tests.browser.pseudo_locale  # noqa: F401  (the page walk's app)

    create_app(Settings(environment="test", database_url="sqlite://"))
    for language in LANGUAGES.values():
        language.gettext("")  # its catalogue compiled once, not in every server


def serve(arguments: Sequence[str], sock: socket, env: dict[str, str], log: Path) -> None:
    """The forked server: this environment, output to `log`, then `uvicorn <arguments>` serving
    on `sock` (handed over from the test process)."""
    os.environ.clear()
    os.environ.update(env)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    sys.argv = ["uvicorn", *arguments, "--fd", str(sock.fileno()), "--no-server-header"]
    uvicorn.main()


def server_context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.server_warm"])
    return context


def start_server(
    arguments: Sequence[str], sock: socket, env: dict[str, str], log: Path
) -> BaseProcess:
    """A new server process (see the module's docstring)."""
    process = server_context().Process(
        target=serve, args=(list(arguments), sock, env, log), name="uvicorn", daemon=True
    )
    process.start()
    return process
