"""The browser app, end to end: Solara serves it, Playwright drives Debian's chromium (headless).

It opens the page, steps several weeks, checks that the group circle, the mechanisms panel and the
narrative change, that neither the browser console nor the server reports an error, and saves a
screenshot. CI installs chromium (make test); elsewhere, without chromium, the test says why it
cannot run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP = Path(__file__).resolve().parent.parent / "peersim" / "viz" / "app.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: `make test` should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    solara = Path(sys.executable).with_name("solara")
    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(solara), "run", str(APP), "--host", "127.0.0.1", "--port", str(port), "--production"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            proc.kill()
            pytest.fail(f"the app did not start: {log_path.read_text()[-2000:]}")
        try:
            yield url, log_path
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_app_steps_through_weeks(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, server_log = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(url, timeout=90_000)
        page.get_by_text("Before the first session").wait_for(timeout=90_000)
        circle_before = page.locator("img").first.get_attribute("src")
        story_before = page.get_by_text("Participant 0:").first.inner_text()
        for week in (1, 2, 3):
            page.get_by_role("button", name="Step").click()
            page.get_by_text(f"This week (session {week}:").wait_for(timeout=30_000)
        panel = page.get_by_text("This week (session 3:").locator("..").inner_text()
        assert "mechanisms that fired" in panel and "safety" in panel
        page.get_by_text("Session 3 (").first.wait_for(timeout=30_000)
        assert page.locator("img").first.get_attribute("src") != circle_before, "the group circle redraws"
        assert "Session 1 (" in page.get_by_text("Participant 0:").locator("..").inner_text()
        assert story_before
        page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
        browser.close()
    assert (tmp_path / "app.png").stat().st_size > 10_000
    assert problems == [], problems
    log = server_log.read_text()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
