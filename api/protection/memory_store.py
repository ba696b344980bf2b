"""The card limits' store on SQLite: the process's memory, kept lean for the garbage collector.

`limits`' own memory store keeps, for each client in a window, a list of `Entry` objects and a
lock of its own. On a busy server that is most of the heap: a benchmark with 50,000 clients in
the window held 110,000 such objects of 158,000, and each full collection of the garbage
collector walked them all, up to 160 ms during which no request moved (bench/README.md). Here a
client's moving window is a tuple of timestamps, which the collector stops tracking once it
has seen it (a tuple of floats cannot be part of a cycle), and one lock guards them all (the
counts are taken on the event loop; only the sweep runs beside it).
Expired timestamps are swept every few seconds, not 10 ms after each hit: with 20,000 clients
the library's sweep held the GIL for 20 ms of every 30. The moving window never counts an
expired timestamp either way; the sweep only frees memory.
"""

import threading
import time
from bisect import bisect_right

from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    """`limits`' memory store with its moving windows as tuples (see the module's docstring);
    its fixed-window counters (the refused cards of a day) are the library's."""

    SWEEP_SECONDS = 5.0

    def __init__(self) -> None:
        # Per key, oldest first: when each counted card came, and how long it is counted.
        self.times: dict[str, tuple[float, ...]] = {}
        self.windows: dict[str, float] = {}
        self.lock = threading.Lock()
        super().__init__()

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count `amount` now in `key`'s window of `expiry` seconds, unless it would pass
        `limit` (then nothing is counted)."""
        if amount > limit:
            return False
        self._MemoryStorage__schedule_expiry()
        now = time.time()
        with self.lock:
            times = self.times.get(key, ())
            # Room only if the card `limit - amount` places before the newest has left.
            keep = limit - amount + 1
            if len(times) >= keep and times[-keep] >= now - expiry:
                return False
            self.times[key] = (*times, *[now] * amount)
            self.windows[key] = expiry
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """When the oldest card still counted came, and how many are counted. With none counted,
        as `limits`' own store answers: the oldest card kept (the window is already free)."""
        now = time.time()
        with self.lock:
            times = self.times.get(key)
            if not times:
                return now, 0
            first = bisect_right(times, now - expiry)
            return times[min(first, len(times) - 1)], len(times) - first

    def clear(self, key: str) -> None:
        with self.lock:
            self.times.pop(key, None)
            self.windows.pop(key, None)
        super().clear(key)

    def reset(self) -> int | None:
        with self.lock:
            cleared = len(self.times)
            self.times.clear()
            self.windows.clear()
        return max(cleared, super().reset() or 0)

    def sweep(self) -> None:
        """Forget the timestamps that left their windows, and the keys left empty."""
        now = time.time()
        for key in list(self.times):
            with self.lock:  # a key at a time: the event loop counts meanwhile
                times = self.times.get(key)
                if times is None:
                    continue
                times = times[bisect_right(times, now - self.windows[key]) :]
                if times:
                    self.times[key] = times
                else:
                    del self.times[key], self.windows[key]
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]  # the counters

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private hook it calls
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_SECONDS, self.sweep)
            self.timer.daemon = True  # never keeps a stopping process waiting
            self.timer.start()
