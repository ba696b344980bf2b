"""The card page's speed budget, measured in a real headless Chromium against `tellus serve`.

Starts `tellus serve` with the demo organisation behind a small byte-counting TCP proxy (so every
byte on the wire is counted, the service worker's too), then opens the card page in Debian's
Chromium with Lighthouse's mobile throttling through the DevTools protocol: 150 ms round trip,
1.6 Mbps down, 750 kbps up, 4x slower CPU. Prints each figure and whether its budget holds; exits 1
if one does not.
Usage: python bench/card_budget.py [--runs 5] [--chromium /usr/bin/chromium]
"""

import argparse
import asyncio
import gzip
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from demo_server import demo_server, free_port
from playwright.sync_api import BrowserContext, Page, Playwright, Request, sync_playwright

KB = 1024
PHONE: dict[str, Any] = {  # Lighthouse's emulated Moto G Power
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}
THROTTLING = {
    "offline": False,
    "latency": 150,  # ms added to each request's round trip
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,  # bytes per second
    "uploadThroughput": 750 * 1024 / 8,
}
CPU_SLOWDOWN = 4
WINDOW_SECONDS = 3.0
REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]\r$", re.MULTILINE)

FIRST_CONTENTFUL_PAINT = (
    """() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime"""
)
LAYOUT_SHIFT = """() => new Promise((resolve) => {
    let total = 0;
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({ type: "layout-shift", buffered: true });
    setTimeout(() => resolve(total), 300);
})"""
RENDER_BLOCKING = """() => performance.getEntriesByType("resource")
    .filter((entry) => entry.renderBlockingStatus === "blocking").map((entry) => entry.name)"""


class CountingProxy:
    """Relays a port to the server and counts the bytes and requests that cross it."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port, self.target_port = port, target_port
        self.bytes_to_browser = 0
        self.requests: list[str] = []
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=5)

    def reset(self) -> None:
        self.bytes_to_browser, self.requests = 0, []

    async def _listen(self) -> None:
        await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _relay(self, browser_in: asyncio.StreamReader, browser: asyncio.StreamWriter) -> None:
        server_in, server = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pump(browser_in, server, False), self._pump(server_in, browser, True)
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, to_browser: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if to_browser:
                    self.bytes_to_browser += len(data)
                else:  # a browser's request head arrives in one read on loopback
                    self.requests += [
                        f"{m[1].decode()} {m[2].decode()}" for m in REQUEST_LINE.finditer(data)
                    ]
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()


@dataclass
class Visit:
    first_contentful_paint: float = 0.0  # ms
    layout_shift: float = 0.0
    requests_by_load: list[str] = field(default_factory=list)
    bytes_in_window: int = 0
    bytes_settled: int = 0
    network_requests: list[str] = field(default_factory=list)
    render_blocking: list[str] = field(default_factory=list)
    fonts: int = 0
    other_origins: list[str] = field(default_factory=list)


def throttle(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THROTTLING)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def visit(context: BrowserContext, url: str, proxy: CountingProxy, origin: str) -> Visit:
    """Open the page throttled; count what crossed the network, by its load and in the window."""
    result = Visit()
    page = context.new_page()
    throttle(page)
    made: list[Request] = []
    everything: list[Request] = []
    page.on("request", lambda request: made.append(request))

    def note(request: Request) -> None:
        everything.append(request)

    context.on("request", note)  # the service worker's requests too
    page.once("load", lambda: result.requests_by_load.extend(r.url for r in made))
    proxy.reset()
    window = threading.Timer(
        WINDOW_SECONDS, lambda: setattr(result, "bytes_in_window", proxy.bytes_to_browser)
    )
    window.start()
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    page.wait_for_load_state("networkidle")
    window.join()
    result.first_contentful_paint = page.evaluate(FIRST_CONTENTFUL_PAINT)
    result.layout_shift = page.evaluate(LAYOUT_SHIFT)
    result.render_blocking = page.evaluate(RENDER_BLOCKING)
    result.bytes_settled = proxy.bytes_to_browser
    context.remove_listener("request", note)
    result.network_requests = list(proxy.requests)
    result.fonts = sum(request.resource_type == "font" for request in everything)
    result.other_origins = [r.url for r in everything if not r.url.startswith(origin)]
    return result


def send_card(context: BrowserContext, url: str, proxy: CountingProxy) -> list[str]:
    """Open the card (not counted), choose a face and send: the requests sending took."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # As a person does: a card sent faster than TELLUS_CARD_MIN_FILL_SECONDS asks to confirm.
    page.wait_for_timeout(3500)
    proxy.reset()
    page.locator("label.face").last.click()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    page.wait_for_load_state("networkidle")
    return list(proxy.requests)


def compressed(client: httpx.Client, path: str) -> tuple[int, int]:
    """(gzip bytes, plain bytes) of a response body as the app serves it."""
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers.get("content-encoding") == "gzip", path
    return len(raw), len(gzip.decompress(raw))


def run(
    playwright: Playwright, chromium: str, proxy: CountingProxy, base: str, token: str, runs: int
) -> bool:
    url = f"{base}/c/{token}"
    with httpx.Client(base_url=base) as client:
        page = client.get(f"/c/{token}").text
        script_src = re.search(r'<script src="([^"]+)"', page)
        assert script_src
        html = compressed(client, f"/c/{token}")
        card_js = compressed(client, script_src.group(1))
        worker_js = compressed(client, "/sw.js")
    browser = playwright.chromium.launch(
        executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
    )
    first_visits: list[Visit] = []
    repeat_visits: list[Visit] = []
    submits: list[list[str]] = []
    for _ in range(runs):
        context = browser.new_context(**PHONE)
        first_visits.append(visit(context, url, proxy, base))
        repeat_visits.append(visit(context, url, proxy, base))
        submits.append(send_card(context, url, proxy))
        context.close()
    browser.close()
    return report(html, card_js, worker_js, first_visits, repeat_visits, submits, token)


def kb(size: int) -> str:
    return f"{size / KB:.1f} KB"


def listed(requests: list[list[str]]) -> str:
    return "; ".join(sorted({" + ".join(each) for each in requests}))


def report(
    html: tuple[int, int],
    card_js: tuple[int, int],
    worker_js: tuple[int, int],
    first: list[Visit],
    repeat: list[Visit],
    submits: list[list[str]],
    token: str,
) -> bool:
    """Print each figure beside its budget; True if every budget holds."""
    both = first + repeat
    script = card_js[0] + worker_js[0]
    by_load = max(len(v.requests_by_load) for v in first)
    in_window = max(v.bytes_in_window for v in first)
    settled = max(v.bytes_settled for v in first)
    fcp = statistics.median(v.first_contentful_paint for v in first)
    fcp_runs = ", ".join(f"{v.first_contentful_paint:.0f}" for v in first)
    repeat_fcp = statistics.median(v.first_contentful_paint for v in repeat)
    shift = max(v.layout_shift for v in both)
    blocking = sum(len(v.render_blocking) for v in first)
    fonts, elsewhere = sum(v.fonts for v in both), sum(len(v.other_origins) for v in both)
    checks = [
        ("card page HTML, CSS inline (gzip)", f"{kb(html[0])} ({kb(html[1])} plain)",
         html[0] <= 12 * KB, "≤ 12 KB"),
        ("JavaScript: card.js + sw.js (gzip)",
         f"{kb(script)} ({kb(card_js[0])} + {kb(worker_js[0])})", script <= 10 * KB, "≤ 10 KB"),
        ("render-blocking scripts or styles", str(blocking), blocking == 0, "0"),
        ("web fonts; other origins", f"{fonts}; {elsewhere}", fonts == elsewhere == 0, "0; 0"),
        ("requests by the load event", str(by_load), by_load <= 4, "≤ 4"),
        (f"transferred in {WINDOW_SECONDS:.0f} s, worker and precache too", kb(in_window),
         in_window <= 30 * KB, "≤ 30 KB"),
        ("transferred once settled", f"{kb(settled)}, {len(first[0].network_requests)} requests",
         settled <= 30 * KB, "≤ 30 KB"),
        ("first contentful paint, median", f"{fcp:.0f} ms (runs: {fcp_runs})", fcp <= 1000,
         "≤ 1000 ms"),
        ("cumulative layout shift, worst", f"{shift:.3f}", shift == 0, "0"),
        ("repeat visit: downloads", listed([v.network_requests for v in repeat]),
         all(v.network_requests == [f"GET /c/{token}"] for v in repeat), "the HTML only"),
        ("repeat visit: first contentful paint", f"{repeat_fcp:.0f} ms", repeat_fcp <= 1000,
         "≤ 1000 ms"),
        ("sending a card: requests", listed(submits),
         all(each == [f"POST /c/{token}"] for each in submits), "one"),
    ]  # fmt: skip
    width = max(len(name) for name, *_ in checks)
    for name, figure, holds, budget in checks:
        print(f"{name:<{width}}  {figure:<36}  {'holds' if holds else 'FAILS'} ({budget})")
    return all(holds for _, _, holds, _ in checks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="cold visits, each in a new profile")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    proxy_port, server_port = free_port(), free_port()
    while server_port == proxy_port:
        server_port = free_port()
    proxy = CountingProxy(proxy_port, server_port)
    public_url = f"http://127.0.0.1:{proxy_port}"
    with demo_server(port=server_port, public_url=public_url) as server, sync_playwright() as pw:
        print(
            f"{args.runs} cold visits of {public_url}/c/{server.token}, each followed by a repeat"
        )
        print(f"throttled: {THROTTLING['latency']} ms RTT, 1.6 Mbps down, {CPU_SLOWDOWN}x CPU\n")
        started = time.monotonic()
        ok = run(pw, args.chromium, proxy, public_url, server.token, args.runs)
        verdict = "all budgets hold" if ok else "A BUDGET FAILS"
        print(f"\n{verdict} ({time.monotonic() - started:.0f} s)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
