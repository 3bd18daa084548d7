"""`peersim lesson` in a browser with the network off: Playwright drives Debian's chromium over the
file the command wrote, as a teacher would open it from a USB stick.

It steps weeks (buttons, keyboard, go to week, end of course), switches scenario, picks a person
and reads their story, which must be word for word what `peersim explain` prints, and the side by
side mode with both stories labelled; that Tab reaches every panel, that "large text" draws
nothing below 16 pt at projector size; that nothing is fetched, nor any error logged. With
PEERSIM_UPDATE_SCREENSHOT=1 it renews the projector-size screenshots docs/lesson.png,
docs/lesson-side-by-side.png and docs/lesson-presenting.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.legibility import DRAWN_TEXT_SIZES, PT16

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
POPULATION = ROOT / "docs" / "examples" / "outsider.csv"
PROJECTOR = {"width": 1920, "height": 1080}


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def explain(*sets: str) -> list[str]:
    extra = [x for s in sets for x in ("--set", s)]
    proc = cli("explain", "--seed", "99", "--population", str(POPULATION), "--member", "0", *extra)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: `make test` should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    out = tmp_path_factory.mktemp("usb") / "lesson.html"
    proc = cli("lesson", "--seed", "99", "--population", str(POPULATION), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "3 scenarios" in proc.stdout
    return out


def small_text(page) -> list:
    """Texts drawn below 16 pt, with their size in px (tests/legibility.py)."""
    return sorted(s for s in page.evaluate(DRAWN_TEXT_SIZES) if s[0] < PT16 - 0.01)


def story_lines(page, label: str) -> list[str]:
    return [t.strip() for t in page.locator(f'.story[data-scenario="{label}"] p:visible').all_inner_texts()]


def test_lesson_offline_steps_switches_picks_and_reads(lesson, tmp_path):
    from playwright.sync_api import sync_playwright

    html = lesson.read_text(encoding="utf-8")
    for external in ("http://", "https://", "//cdn", "<link", "src="):
        assert external not in html.replace("http://www.w3.org/2000/svg", ""), external
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport=PROJECTOR, offline=True)  # the network is off
        requests: list[str] = []
        context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(lesson.as_uri())
        week = page.locator("#week")
        assert week.inner_text().startswith("Week 0 of 10: before the first session")
        assert page.get_by_role("button", name="Previous week").is_disabled()

        # step weeks: the button, the keyboard, back, go to a week, the end of the course
        page.get_by_role("button", name="Next week").click()
        page.get_by_role("button", name="Next week").click()
        assert week.inner_text().startswith("Week 2 of 10: session 2")
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("ArrowRight")
        assert week.inner_text().startswith("Week 3 of 10: session 3")
        page.get_by_role("img", name="the group in week 3").wait_for()
        page.get_by_role("button", name="Previous week").click()
        assert week.inner_text().startswith("Week 2 of 10")
        page.get_by_label("Go to week").fill("7")
        page.get_by_role("button", name="Go", exact=True).click()
        assert week.inner_text().startswith("Week 7 of 10: session 7")
        story = story_lines(page, "volunteer peer facilitators (as in PEER)")
        visible = [t for t in story if t]
        assert any(t.startswith("Session 7 (") for t in visible)
        assert not any(t.startswith("Session 8 (") for t in visible)  # the story so far
        page.get_by_role("button", name="End of course").click()
        assert week.inner_text() == "Week 10 of 10: session 10: Close (the end of the course)"
        assert page.get_by_role("button", name="Next week").is_disabled()

        # pick a person: the outsider (participant 0), offered as the most different
        person = page.get_by_label("Person")
        assert "the most different from the group" in person.inner_text()
        person.select_option("3")
        page.get_by_text("Why did this happen? Participant 3, session 10").wait_for()
        person.select_option("0")
        why = page.locator(".why").first.inner_text()
        assert "Safety" in why or "left" in why.lower()
        # at the end of the course the story is `peersim explain`'s, word for word
        assert story_lines(page, "volunteer peer facilitators (as in PEER)") == explain()
        page.screenshot(path=str(tmp_path / "lesson.png"))

        # switch scenario: the same person's story under paid facilitators
        page.get_by_label("Scenario", exact=True).select_option(label="paid peer workers as facilitators")
        page.get_by_role("heading", name="paid peer workers as facilitators", exact=True).wait_for()
        paid = story_lines(page, "paid peer workers as facilitators")
        assert paid == explain("facilitator_role=paid")
        assert paid != explain()
        assert "This is an assumption of the model" in page.locator(".changes").first.inner_text()

        # side by side: both stories, labelled, and where they part
        page.get_by_label("Scenario", exact=True).select_option(
            label="volunteer peer facilitators (as in PEER)"
        )
        page.get_by_label("side by side with").check()
        page.get_by_label("Scenario to compare with").select_option(label="paid peer workers as facilitators")
        parting = page.locator("#parting").inner_text()
        assert "Where the stories of participant 0 part" in parting
        assert "What B changes: Paid peer workers as facilitators" in parting
        page.get_by_role("heading", name="Story of participant 0 (A: volunteer peer facilitators").wait_for()
        page.get_by_role("heading", name="Story of participant 0 (B: paid peer workers").wait_for()
        assert story_lines(page, "paid peer workers as facilitators") == explain("facilitator_role=paid")
        assert page.get_by_role("img", name="the group in week 10").count() == 2
        page.keyboard.press("Home")
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("Home")
        for _ in range(4):
            page.keyboard.press("n")
        assert week.inner_text().startswith("Week 4 of 10")
        page.screenshot(path=str(tmp_path / "lesson-side-by-side.png"))

        # large text for a projector: nothing on screen drawn below 16 pt, side by side and alone
        assert small_text(page), "the check finds the legend's 16 px ticks without large text"
        page.get_by_label("large text (for a projector)").check()
        assert small_text(page) == [], small_text(page)[:10]
        page.screenshot(path=str(tmp_path / "lesson-presenting.png"))
        page.get_by_label("side by side with").uncheck()
        assert small_text(page) == [], small_text(page)[:10]
        page.get_by_label("large text (for a projector)").uncheck()

        # Tab alone reaches the controls and every panel: the why, the chart and the story
        page.locator("body").click(position={"x": 5, "y": 5})
        reached = []
        for _ in range(30):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''"))
        for panel in ("why did this happen? Participant 0", "chart of participant 0", "story of participant"):
            assert any(panel in name for name in reached), (panel, reached)
        browser.close()
    assert problems == [], problems
    assert all(url.startswith("file://") for url in requests), requests
    if os.environ.get("PEERSIM_UPDATE_SCREENSHOT"):
        for name in ("lesson.png", "lesson-side-by-side.png", "lesson-presenting.png"):
            shutil.copyfile(tmp_path / name, ROOT / "docs" / name)
