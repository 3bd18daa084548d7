"""Progress that suits where it goes: a bar on a terminal, timed lines in a log."""

from __future__ import annotations

import io

from tqdm.auto import tqdm

from peersim.apps.cli import main
from peersim.run.progress import LineProgress, Silent, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_tqdm_bar_and_a_log_gets_lines():
    bar = progress_bar(100, stream=Terminal())
    assert isinstance(bar, tqdm)
    bar.close()
    assert isinstance(progress_bar(100, stream=io.StringIO()), LineProgress)
    assert isinstance(progress_bar(100, enabled=False, stream=Terminal()), Silent)


def test_lines_every_few_seconds_with_done_rate_and_time_left():
    now = [0.0]
    log = io.StringIO()
    bar = LineProgress(1000, "contexts", "course", 0, log, seconds=5, clock=lambda: now[0])
    for _ in range(10):  # 100 courses a second, an update a second: a line every 5 s
        now[0] += 1
        bar.update(100)
    bar.close()
    lines = log.getvalue().splitlines()
    assert lines == [
        "contexts: 500/1,000 courses (50%), 100 courses/s, about 5 s left",
        "contexts: done, 1,000 courses in 10 s (100 courses/s)",
    ]
    assert "\r" not in log.getvalue()


def test_a_resumed_sweep_counts_only_what_it_ran():
    now = [0.0]
    log = io.StringIO()
    bar = LineProgress(1000, "", "course", 600, log, seconds=1, clock=lambda: now[0])
    now[0] = 2.0
    bar.update(200)
    bar.close()  # stopped before the end
    lines = log.getvalue().splitlines()
    assert lines[0] == "800/1,000 courses (80%), 100 courses/s, about 2 s left"
    assert lines[1].startswith("stopped at 800/1,000 courses")


def test_cli_run_writes_progress_lines_when_stderr_is_not_a_terminal(capsys, monkeypatch):
    monkeypatch.setenv("PEERSIM_PROGRESS_SECONDS", "0")
    assert main(["run", "--runs", "40", "--chunk-size", "10", "--no-control"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("10/40 courses (25%), ") and "left" in err[0]
    assert err[-1].startswith("done, 40 courses in ")
    assert main(["run", "--runs", "40", "--no-control", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_cli_sweep_and_trial_report_progress_in_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PEERSIM_PROGRESS_SECONDS", "0")
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\nreplicates = 6\nchunk_size = 4\n[fixed]\nfollow_up_weeks = 1\n')
    assert main(["sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "raw")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [err[0], "tiny: done, 6 courses in " + err[1].split(" in ", 1)[1]]
    assert err[0].startswith(("tiny: 4/6 courses (67%)", "tiny: 2/6 courses (33%)"))  # chunks of 4 and 2
    assert main(["trial", "--n-per-arm", "10", "--set", "follow_up_weeks=1"]) == 0
    err = capsys.readouterr().err
    assert err.count("done, 4 courses") == 1  # one bar over both arms: 2 groups, 2 control blocks
