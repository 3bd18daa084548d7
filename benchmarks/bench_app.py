"""A class on the teacher's machine: N browser sessions of the app at once, each stepping its group.

    python benchmarks/bench_app.py [--sessions 30] [--steps 6] [--think-ms 3000] [--seed 1] [--turns 0]

Starts the app's server as `peersim viz` does (Solara, production mode, offline), opens
``--sessions`` pages in one headless Chromium (each page is its own Solara session, so its own
group), waits until all have loaded, then lets every page press *Next week* ``--steps`` times,
each after a random pause (uniform 0.5 to 1.5 x ``--think-ms``, seeded): students working at once,
not in turn; with ``--turns 1`` the pages step one at a time, in turn, so that the browsers'
own drawing (which on this machine shares the server's two cores) stays out of the measure while
all the sessions stay open on the server. A step's latency is from the click until the page shows
the new week's table. Prints the median, 95th percentile and maximum, the server's CPU time per
step (what the teacher's machine spends; here the browsers share its cores too, which a class's
own devices would not) and the warning lines in the server's log.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
from _common import options

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "peersim" / "apps" / "app.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log) -> subprocess.Popen:
    solara = Path(sys.executable).with_name("solara")
    command = [str(solara), "run", str(APP), "--host", "127.0.0.1", "--port", str(port), "--production"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*command, "--no-check-version"], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start")


async def step(page, week: int, latencies: list) -> None:
    start = time.perf_counter()
    await page.get_by_role("button", name="Next week").click()
    await page.get_by_text(f"This week (session {week}:").first.wait_for(timeout=120_000)
    latencies.append(time.perf_counter() - start)


async def session(browser, url: str, steps: int, pauses, latencies: list, loaded, ready, pages: list) -> None:
    page = await browser.new_page(viewport={"width": 1500, "height": 1000})
    await page.goto(url, timeout=180_000)
    await page.get_by_text("Before the first session.", exact=True).wait_for(timeout=180_000)
    pages.append(page)
    ready()
    await loaded.wait()
    if pauses is None:  # in turns: the caller steps the pages
        return
    for week in range(1, steps + 1):
        await asyncio.sleep(float(pauses[week - 1]))
        await step(page, week, latencies)


async def main(args) -> None:
    from playwright.async_api import async_playwright

    rng = np.random.default_rng(args.seed)
    pauses = rng.uniform(0.5, 1.5, size=(args.sessions, args.steps)) * args.think_ms / 1000
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as log:
            server = start_server(port, log)
            try:
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(
                        executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
                    )
                    latencies: list[float] = []
                    loaded = asyncio.Event()
                    count = {"ready": 0}

                    cpu = {}
                    server_process = psutil.Process(server.pid)

                    def server_cpu() -> float:
                        # the server and any process it started (solara runs in the process itself)
                        procs = [server_process, *server_process.children(recursive=True)]
                        return sum(sum(p.cpu_times()[:2]) for p in procs)

                    def ready() -> None:
                        count["ready"] += 1
                        if count["ready"] == args.sessions:
                            cpu["loaded"] = server_cpu()
                            loaded.set()

                    started = time.perf_counter()
                    url = f"http://127.0.0.1:{port}/"
                    pages: list = []
                    await asyncio.gather(
                        *(
                            session(
                                browser,
                                url,
                                args.steps,
                                None if args.turns else pauses[k],
                                latencies,
                                loaded,
                                ready,
                                pages,
                            )
                            for k in range(args.sessions)
                        )
                    )
                    if args.turns:  # every open page steps once, then every page again, ...
                        cpu["loaded"] = server_cpu()
                        for week in range(1, args.steps + 1):
                            for page in pages:
                                await step(page, week, latencies)
                    elapsed = time.perf_counter() - started
                    cpu["end"] = server_cpu()
                    await browser.close()
            finally:
                server.terminate()
                server.wait(timeout=30)
        text = log_path.read_text(errors="replace")
    lat = np.array(latencies)
    warnings = [line for line in text.splitlines() if "warn" in line.lower()]
    print(
        f"{args.sessions} sessions x {args.steps} steps ({len(lat)} steps, "
        + ("one at a time, in turn)," if args.turns else f"pauses {args.think_ms} ms +-50%),")
        + f" {elapsed:.0f} s in all, {os.cpu_count()} cores"
    )
    print(
        f"step latency: median {np.median(lat):.3f} s, 95th percentile {np.percentile(lat, 95):.3f} s,"
        f" max {lat.max():.3f} s"
    )
    per_step = (cpu["end"] - cpu["loaded"]) / len(lat)
    print(f"server CPU per step: {1000 * per_step:.0f} ms (user + system, all its threads)")
    print(f"server log: {len(text.splitlines())} lines, {len(warnings)} with a warning")
    for line in warnings[:3]:
        print(f"  {line[:160]}")


if __name__ == "__main__":
    asyncio.run(main(options(__doc__, sessions=30, steps=6, think_ms=3000, seed=1, turns=0)))
