"""What a class sees: the study figures' numbers add up, and the teaching figures are legible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peersim

ROOT = Path(__file__).resolve().parent.parent


def _study(name: str):
    spec = importlib.util.spec_from_file_location(f"study_{name}", ROOT / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dropout_by_session_shares_sum_to_the_dropout_rate():
    # simulated groups, whose dropout_session is a nullable integer missing for those who stayed
    part = peersim.simulate(runs=300, seed=3).participants
    assert part.dropout_session.isna().any() and part.dropped_out.any()
    shares = _study("baseline").dropout_by_session(part, 10)
    assert list(shares.session) == list(range(1, 10))
    assert shares.share_left.sum() == pytest.approx(part.dropped_out.mean(), abs=1e-12)
    assert (shares.ci_low <= shares.share_left).all() and (shares.share_left <= shares.ci_high).all()
    assert (shares.ci_low >= 0).all()


def test_dropout_by_session_counts_everyone_in_the_denominator():
    # two groups of four: one leaver after session 1 in the first, none in the second
    part = pd.DataFrame(
        {
            "run": [0] * 4 + [1] * 4,
            "dropout_session": pd.array([1, None, None, None] + [None] * 4, dtype="Int64"),
        }
    )
    shares = _study("baseline").dropout_by_session(part, 3).set_index("session").share_left
    assert shares[1] == pytest.approx(1 / 8) and shares[2] == 0
    assert np.isfinite(shares).all()


# --- legibility: every teaching figure's smallest text at its saved size --------------------------
def _texts(fig) -> list:
    """Every text a viewer can see, after drawing (tick labels exist only once drawn): hidden
    artists and the axes of an axes switched off (``axis("off")``) are left out, as drawing does."""
    import io

    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    fig.savefig(io.BytesIO(), format="png", dpi=40)
    found = []

    def walk(artist, axis_on: bool) -> None:
        if not artist.get_visible() or (isinstance(artist, Axis) and not axis_on):
            return
        if isinstance(artist, Text) and artist.get_text().strip():
            found.append(artist)
        for child in artist.get_children():
            walk(child, artist.axison if isinstance(artist, Axes) else axis_on)

    walk(fig, True)
    return found


def _teaching_figures():
    from peersim.core.kernel import Kernel
    from peersim.report import teaching
    from peersim.studies.icamo import icamo_table

    kernel = Kernel(peersim.Params(facilitator_role="paid"), 5, np.array([2]), record_ties=True)
    kernel.run()
    table = icamo_table(peersim.simulate(runs=30, seed=1), strata=("employed", "age"))
    return {
        "circles": teaching.group_circles(kernel, "safety", chosen=1),
        "heatmap": teaching.activation_heatmap(kernel),
        "trajectories": teaching.trajectories(kernel, "recovery", chosen=1),
        "person": teaching.person_chart(kernel, 1),
        "icamo": teaching.icamo_figure(table),
    }


@pytest.mark.parametrize("name", ["circles", "heatmap", "trajectories", "person", "icamo"])
def test_every_teaching_figure_text_is_at_least_12_pt(name, teaching_figures):
    fig = teaching_figures[name]
    texts = _texts(fig)
    assert len(texts) > 5, name  # the check reads real texts, not an empty figure
    small = sorted({(t.get_fontsize(), t.get_text()[:30]) for t in texts if t.get_fontsize() < 12})
    assert small == [], f"{name}: text below 12 pt: {small[:5]}"


def test_teaching_figures_speak_plain_words(teaching_figures):
    words = " ".join(t.get_text() for fig in teaching_figures.values() for t in _texts(fig))
    for raw in ("facilitator_role", "=paid", "_", "employed: employed", "(0-1)"):
        assert raw not in words, raw
    assert "paid peer workers as facilitators" in words
    assert "safe from 0.5" in words  # the threshold on the safety colour bar and the person's chart
    assert "% of participants" in words  # the ICAMO colour bar in the cells' unit


@pytest.fixture(scope="module")
def teaching_figures():
    return _teaching_figures()


# --- the lesson file ------------------------------------------------------------------------------
def test_lesson_stories_are_explains_and_the_page_is_self_contained(tmp_path):
    from peersim.report.lesson import Scenario, lesson_data, lesson_html
    from peersim.report.narrative import story

    volunteer, paid = peersim.Params(), peersim.Params(facilitator_role="paid")
    data = lesson_data([Scenario("volunteers", volunteer), Scenario("paid", paid)], seed=4, run=2)
    for k, params in enumerate((volunteer, paid)):
        for m in (0, 5):
            assert "\n".join(data["scenarios"][k]["stories"][m]["lines"]) == story(params, 4, 2, m)[1]
    weeks = data["scenarios"][1]["weeks"]
    assert [w["week"] for w in weeks] == list(range(11))  # the course, ending at week 10
    assert any("assumption" in line for line in data["scenarios"][1]["changes"])
    assert set(data["parting"]) == {"0,1", "1,0"}
    html = lesson_html(data)
    assert "</script>" not in html.split('id="lesson-data">', 1)[1].split("</script>", 1)[0]
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html


def _student_texts(data: dict) -> list[str]:
    """Every text of a lesson a student reads: stories, why, what a context changes, where stories part."""
    texts = [*data["people"], *data["states"].values(), *data["glossary"].values()]
    for s in data["scenarios"]:
        texts += [s["words"], *s["changes"]]
        texts += [line for story in s["stories"] for line in story["lines"]]
        texts += [line for week in s["weeks"] for person in week["why"] for line in person]
    texts += [line for pair in data["parting"].values() for person in pair for line in person]
    return texts


#: Short forms a student may read as they are: the course's name and the pandemic's
PLAIN_SHORT_FORMS = {"PEER", "COVID"}


def test_student_texts_have_no_parameter_names_and_explain_their_short_forms():
    from peersim.report.lesson import Scenario, lesson_data
    from peersim.report.words import GLOSSARY

    scenarios = [
        Scenario("volunteers", peersim.Params()),
        Scenario("paid", peersim.Params(facilitator_role="paid")),
        Scenario("services", peersim.Params(setting="mental_health_service", covid_restrictions=True)),
        Scenario("no session 4", peersim.Params(differences_strength=0.0)),
    ]
    population = pd.read_csv(ROOT / "docs" / "examples" / "outsider.csv")
    texts = _student_texts(lesson_data(scenarios, seed=99, population=population))
    texts += _student_texts(lesson_data(scenarios[:2], seed=3, run=1))
    words = " ".join(texts)
    assert len(texts) > 500
    import re

    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", words), "a parameter name reaches students"
    assert "=" not in words and "0-1" not in words and "intention-to-treat" not in words
    glossary = " ".join(f"{term} {text}" for term, text in GLOSSARY.items())
    for short in sorted(set(re.findall(r"\b[A-Z]{2,}\b", words))):
        if short in PLAIN_SHORT_FORMS:
            continue
        # explained: a glossary entry of its own, or spelt out beside it ("CHIME ... (Connectedness, ...")
        spelt = re.search(rf"{short}\b[^()]*\(([A-Z][a-z]+[,;]? ?){{{len(short)}}}", glossary)
        assert short in GLOSSARY or spelt, f"{short} reaches students unexplained"
    for term in ("vulnerability", "adversity", "downward comparison", "sprout of change", "realised change"):
        assert term in words and term in GLOSSARY, term


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", ": facilitator_role=paid"], "starts with its label"),
        (["--scenario", "paid: facilitator_rol=paid"], "did you mean 'facilitator_role'"),
        (["--scenario", "paid: facilitator_role=salaried"], "--scenario 'paid': facilitator_role"),
        (["--scenario", "small: group_size=5"], "cannot change group_size"),
        (["--scenario", "a:", "--scenario", "a: covid_restrictions=true"], "used twice"),
        (["--scenario", "none: control_arm=true"], "control_arm has no group"),
        ([f"--scenario=s{k}:" for k in range(7)], "at most 6"),
        (["--seed", "-1"], "--seed -1"),
        (["--population", "missing.csv"], "--population missing.csv"),
    ],
)
def test_lesson_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    import subprocess
    import sys

    out = ["--out", str(tmp_path / "lesson.html")]
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "lesson", *args, *out],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "lesson.html").exists()


@pytest.mark.parametrize(
    ("out", "message"), [("lesson.pdf", "ending in .html"), ("no/such/x.html", "does not exist")]
)
def test_lesson_bad_out_is_refused_before_simulating(out, message, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", "lesson", "--out", str(tmp_path / out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


# --- the handout ----------------------------------------------------------------------------------
def _pdf_font_sizes(pdf: bytes) -> list[float]:
    """The size of every font the PDF's page draws with (its content streams' ``Tf`` operators)."""
    import re
    import zlib

    sizes = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue  # an image or font program, not drawing
        sizes += [float(x) for x in re.findall(rb"/F\d+ ([\d.]+) Tf", text)]
    return sizes


@pytest.mark.parametrize(
    ("seed", "member", "population"), [(99, 0, "docs/examples/outsider.csv"), (2024, 3, None)]
)
def test_handout_is_one_a4_page_with_no_text_below_9_pt(seed, member, population, tmp_path):
    import re

    from peersim.apps.cli import options
    from peersim.report.handout import handout_figure, write_handout
    from peersim.report.narrative import story

    params, table = peersim.Params(), None
    if population:
        import argparse

        args = argparse.Namespace(population=ROOT / population, set=[])
        table, params = options.population(args, params)
    path = write_handout(tmp_path / "h.pdf", params, seed, 0, member, table)
    pdf = path.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # one page
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]+)\]", pdf).group(1).split()]
    assert box[2] == pytest.approx(595.4, abs=1) and box[3] == pytest.approx(841.7, abs=1)  # A4 in points
    sizes = _pdf_font_sizes(pdf)
    assert len(sizes) > 20 and min(sizes) >= 9, sorted(sizes)[:5]
    fig = handout_figure(params, seed, 0, member, table)
    texts = _texts(fig)
    assert min(t.get_fontsize() for t in texts) >= 9
    # the story on the page is explain's, line for line (wrapped, so compared without line breaks)
    page = " ".join(" ".join(t.get_text().split()) for t in texts)
    for line in story(params, seed, 0, member, table)[1].splitlines():
        assert " ".join(line.split()) in page, line


def test_handout_cli_writes_and_refuses_in_one_line(tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "peersim.apps.cli", "handout", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    ok = cli("--seed", "5", "--member", "2", "--out", str(tmp_path / "h.pdf"))
    assert ok.returncode == 0 and (tmp_path / "h.pdf").stat().st_size > 10_000, ok.stderr
    for args, message in (
        (["--member", "8"], "--member 8"),
        (["--out", str(tmp_path / "h.png")], "ending in .pdf"),
        (["--colour-by", "joy"], "'joy' is not a state"),
        (["--set", "control_arm=true"], "no group to draw"),
    ):
        bad = cli(*args, *([] if "--out" in args else ["--out", str(tmp_path / "x.pdf")]))
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1


# --- docs/teaching.md: what the page shows is what its commands print -------------------------------
def test_teaching_page_shows_what_its_commands_print(capsys, monkeypatch):
    """Every `$` command on docs/teaching.md prints each line shown under it, and every number the
    "What students see" paragraphs quote is in an output shown in the same demonstration."""
    import re
    import shlex

    from peersim.apps.cli import main

    page = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the population files are named relative to the checkout
    demos = page.split("\n## ")[1:]
    ran = 0
    for demo in demos:
        pairs = re.findall(r"```sh\n\$ (.+?)\n```\n\n```text\n(.*?)\n```", demo, re.S)
        for command, shown in pairs:
            assert main(shlex.split(command)[1:]) == 0, command
            printed = capsys.readouterr().out.splitlines()
            for line in shown.splitlines():
                assert any(line in out for out in printed), f"{command}: not printed: {line}"
            ran += 1
        outputs = " ".join(shown for _, shown in pairs)
        seen = re.search(r"\*\*What students see\.\*\*(.*?)\n\n\*\*Discuss", demo, re.S)
        if seen:
            for number in re.findall(r"[+-]?\d+(?:\.\d+)?%|[+-]?\d+\.\d+", seen.group(1)):
                assert number in outputs, f"the page quotes {number}, which no output shown holds"
    assert ran == 8


def test_the_apps_svg_pictures_show_what_the_group_did():
    import xml.etree.ElementTree as ET

    from peersim.core.kernel import Kernel
    from peersim.report.svg import circle_svg, person_svg

    kernel = Kernel(peersim.Params(dropout_intercept=5.0), 2, np.array([0]), record_ties=True)
    kernel.run()  # almost everyone leaves after session 1
    ns = {"s": "http://www.w3.org/2000/svg"}

    def parse(text):
        return ET.fromstring(text)

    week1, week2 = (
        parse(circle_svg(kernel, 1, "hope", 3, "w1")),
        parse(circle_svg(kernel, 2, "hope", 3, "w2")),
    )
    gone = [c for c in week2.findall("s:circle", ns) if c.get("stroke-dasharray")]
    record = kernel.history[2]
    left = int((record["dropped"][0] & ~record["present"][0]).sum())  # left before session 2
    assert left > 0 and len(gone) == left  # one grey dashed circle per leaver
    assert len(week2.findall("s:line", ns)) < len(week1.findall("s:line", ns))  # their ties are gone
    assert [c.get("stroke") for c in week1.findall("s:circle", ns)].count("#d62728") == 1  # one red ring
    after = parse(circle_svg(kernel, 12, "hope", None, "after"))
    assert after.findall("s:line", ns) == []  # the group has ended: no ties drawn
    chart = parse(person_svg(kernel, 0, 10, 10, "chart", "title"))
    assert len(chart.findall("s:polyline", ns)) == 4
    assert "left after session 1" in "".join(chart.itertext())
    assert chart.get("role") == "img" and chart.get("aria-label") == "chart"


def test_safety_colours_part_where_feeling_safe_starts():
    from matplotlib.colors import to_rgb

    from peersim.report.teaching import colours

    cmap, norm = colours("safety", 0.5)
    just_below, just_above = np.array(cmap(norm(0.49))[:3]), np.array(cmap(norm(0.51))[:3])
    far_below, lower = np.array(cmap(norm(0.43))[:3]), np.array(cmap(norm(0.49))[:3])
    assert np.abs(just_below - just_above).sum() > 0.5  # two hues either side of 0.5
    assert np.abs(far_below - lower).sum() < np.abs(just_below - just_above).sum()
    viridis, unit = colours("hope")
    assert np.abs(np.array(viridis(unit(0.49))[:3]) - np.array(viridis(unit(0.51))[:3])).sum() < 0.1
    assert to_rgb(cmap(norm(0.0))) != to_rgb(cmap(norm(1.0)))


def test_a_mishandled_moment_is_told_as_the_safety_it_left():
    """The story must not say "unsafe" in a week the heatmap shows safety as fired (safety at or
    above the threshold), nor "safe" when it was below."""
    from peersim.core.kernel import Kernel
    from peersim.report.narrative import _week_line

    told = {"unsafe": 0, "still safe": 0}
    for run in range(40):
        kernel = Kernel(peersim.Params(mishandle_rate=0.6), 3, np.array([run]), record_ties=True)
        kernel.run()
        for member in range(kernel.group.n):
            seen: dict = {}
            for record in kernel.history[1 : kernel.params.n_sessions + 1]:
                line = _week_line(kernel, record, 0, member, seen)
                if not record["mishandled"][0, member]:
                    continue
                fired = bool(record["mech_safety"][0, member])
                if "they felt unsafe" in line:
                    assert not fired, line
                    told["unsafe"] += 1
                elif "still felt safe" in line or "felt safe in the group for the first time" in line:
                    assert fired, line
                    told["still safe"] += 1
                if record["mech_dropout"][0, member]:
                    break
    assert told["unsafe"] > 0 and told["still safe"] > 0, told  # both cases were met


def test_default_lesson_scenarios_follow_the_course_set():
    from peersim.apps.cli.lesson import default_scenarios
    from peersim.report.lesson import Scenario

    designed = default_scenarios(peersim.Params(), Scenario)
    assert [s.label for s in designed] == [
        "volunteer peer facilitators (as in PEER)",
        "paid peer workers as facilitators",
        "inside mental health services",
    ]
    paid = default_scenarios(peersim.Params(facilitator_role="paid"), Scenario)
    # the first is named for what it is, and paid facilitators are not offered twice
    assert [s.label for s in paid] == ["paid peer workers as facilitators", "inside mental health services"]
    assert all(s.params.facilitator_role == "paid" for s in paid)


def test_icamo_figure_of_one_scenario_names_it(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "icamo.png"
    args = [
        "icamo",
        "--runs",
        "20",
        "--strata",
        "employed",
        "--set",
        "facilitator_role=paid",
        "--figure",
        str(out),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "peersim.apps.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    from peersim.report.teaching import icamo_figure
    from peersim.studies.icamo import icamo_table

    table = icamo_table(peersim.simulate(peersim.Params(facilitator_role="paid"), runs=20, seed=1))
    fig = icamo_figure(table, context="paid peer workers as facilitators")
    assert "Context: paid peer workers as facilitators" in fig.get_suptitle()
    assert out.stat().st_size > 10_000


def test_study_figures_name_parameters_in_words_only():
    """Captions and axes of the study figures read as words: the EXPLORATORY footnote names what
    the assumptions are, not their Python names, and the sensitivity bars are labelled by meaning."""
    import re

    from peersim.stats.sensitivity import sensitivity_drawing
    from peersim.stats.uncertainty import exploratory_line

    for changed in (["setting"], ["facilitator_role", "covid_restrictions"], ["safety_skill_weight"]):
        text = exploratory_line(changed, "these contexts", with_names=False)
        assert text.startswith("EXPLORATORY") and "_" not in text, text
        assert "_" in exploratory_line(changed, "these contexts")  # the terminal keeps the names
    names = ["facilitator_skill", "dropout_connectedness", "share_safety", "safety_skill_weight"]
    table = pd.DataFrame(
        [
            {"output": o, "parameter": n, "S1": 0.1, "S1_conf": 0.05, "ST": 0.2, "ST_conf": 0.05}
            for o in ("dropout", "trial_d")
            for n in names
        ]
    )
    fig = sensitivity_drawing(table, "saltelli")
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert len(labels) == 8 and not [x for x in labels if re.search(r"[a-z]_[a-z]", x)], labels
    assert any(
        x.replace("\n", " ").startswith("the chance of leaving the group, per unit of") for x in labels
    )
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "recovery questionnaire" in titles  # QPR-15 said in words
