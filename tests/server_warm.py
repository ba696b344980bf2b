"""The preload of the live servers' forkserver (tests/server_process.py): importing it warms the
forkserver up, once per test process."""

from tests.server_process import warm_up

warm_up()
