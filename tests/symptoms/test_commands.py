"""The management commands assess, check_vignettes, rules and benchmark_engine, via call_command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from symptoms.management.commands import rules as rules_command
from symptoms.rules import RULES, RULESET_VERSION
from tests.commands import run_manage

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes"
RULE_BOOK = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

FEVER_DAY_2 = {
    "id": "fever-day-2",
    "context": {
        "product": "CAR-T",
        "target": "CD19",
        "cell_source": "autologous",
        "prior_allogeneic_transplant": False,
        "days_since_infusion": 2,
        "crs_treated": False,
    },
    "report": {
        "temperature_c": 38.4,
        "systolic_bp": 118,
        "diastolic_bp": 76,
        "heart_rate": 104,
        "spo2": 97,
        "ice_score": 10,
    },
    "expect": {"triage": "URGENT_NOW", "categories_any": ["CRS"], "categories_none": ["GVHD"]},
}

NORMAL_DAY_3 = {
    "id": "normal-day-3",
    "context": {
        "product": "CAR-T",
        "target": "CD19",
        "cell_source": "autologous",
        "prior_allogeneic_transplant": False,
        "days_since_infusion": 3,
        "crs_treated": False,
    },
    "report": {
        "systolic_bp": 122,
        "diastolic_bp": 78,
        "heart_rate": 84,
        "spo2": 97,
        "temperature_c": 37.9,
        "respiratory_rate": 16,
    },
    "expect": {"triage": "NONE"},
}


def run(*args, **options):
    """Runs a command; returns (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err, **options)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(path, data):
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# -- assess ----------------------------------------------------------------------------------------


def test_assess_a_case_file_prints_one_json_line(tmp_path):
    code, out, err = run("assess", str(write(tmp_path / "a.json", FEVER_DAY_2)))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert list(result) == ["id", "triage", "ruleset", "findings"]
    assert result["id"] == "fever-day-2"
    assert result["triage"] == "URGENT_NOW"
    assert result["ruleset"] == RULESET_VERSION
    assert "CRS" in {f["category"] for f in result["findings"]}
    for finding in result["findings"]:
        assert set(finding) == {"rule", "category", "grade", "triage", "why", "sources"}
    assert "°C" in out  # ensure_ascii=False: readable text, not \u escapes


def test_assess_reads_standard_input_and_lists_of_cases():
    text = json.dumps([FEVER_DAY_2, NORMAL_DAY_3])
    code, out, err = run("assess", "-", stdin=StringIO(text))
    assert (code, err) == (0, "")
    results = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["triage"]) for r in results] == [
        ("fever-day-2", "URGENT_NOW"),
        ("normal-day-3", "NONE"),
    ]
    assert results[1]["findings"] == []


def test_assess_a_vignette_from_the_repository():
    path = VIGNETTES / "a01.json"
    assert path.exists(), f"{path} is missing"
    code, out, _err = run("assess", str(path))
    assert code == 0
    assert json.loads(out)["triage"] == "URGENT_NOW"


def test_assess_a_case_without_id_prints_null():
    case = {k: v for k, v in NORMAL_DAY_3.items() if k != "id"}
    _code, out, _err = run("assess", "-", stdin=StringIO(json.dumps(case)))
    assert json.loads(out)["id"] is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"context": ', "not valid JSON"),
        ('{"report": {"temperature_c": NaN}}', "NaN"),
        ('"just text"', "expected a case object or a list of cases"),
        (json.dumps({**FEVER_DAY_2, "report": {"temperature_c": 45.0}}), "report.temperature_c"),
        (json.dumps({**FEVER_DAY_2, "report": {"temprature_c": 38.0}}), "report.temprature_c"),
        (json.dumps({**FEVER_DAY_2, "report": {"ice_score": True}}), "report.ice_score"),
        (json.dumps({**FEVER_DAY_2, "context": {"product": "CAR-T"}}), "context.cell_source"),
    ],
)
def test_assess_refuses_malformed_input_with_exit_2_and_no_triage(text, named):
    code, out, err = run("assess", "-", stdin=StringIO(text))
    assert code == 2
    assert out == ""
    assert named in err
    assert "<stdin>" in err


def test_assess_validates_every_case_before_printing_any():
    bad = {**NORMAL_DAY_3, "id": "bad-spo2", "report": {"spo2": 101}}
    text = json.dumps([FEVER_DAY_2, bad])
    code, out, err = run("assess", "-", stdin=StringIO(text))
    assert code == 2
    assert out == ""
    assert "case [1] (id 'bad-spo2'): report.spo2: 101 is outside 50–100" in err


def test_assess_a_missing_file_exits_2(tmp_path):
    code, out, err = run("assess", str(tmp_path / "nope.json"))
    assert (code, out) == (2, "")
    assert "nope.json" in err


# -- check_vignettes -------------------------------------------------------------------------------


def test_check_vignettes_reports_failures_and_counts(tmp_path):
    write(tmp_path / "1-pass.json", FEVER_DAY_2)
    failing = {**NORMAL_DAY_3, "id": "wrong-on-purpose", "expect": {"triage": "EMERGENCY"}}
    write(tmp_path / "2-fail.json", failing)
    write(tmp_path / "notes.txt", "not a case")
    code, out, err = run("check_vignettes", str(tmp_path))
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[-1] == "1 passed, 1 failed"
    assert len(lines) == 2
    assert "wrong-on-purpose" in lines[0]
    assert "expected EMERGENCY, got NONE" in lines[0]


def test_check_vignettes_checks_categories(tmp_path):
    wrong = {
        **FEVER_DAY_2,
        "expect": {"triage": "URGENT_NOW", "categories_any": ["GVHD"], "categories_none": ["CRS"]},
    }
    write(tmp_path / "c.json", wrong)
    code, out, _err = run("check_vignettes", str(tmp_path))
    assert code == 1
    first, last = out.splitlines()
    assert "expected a finding in GVHD" in first
    assert "expected no CRS finding, got CRS-01" in first
    assert last == "0 passed, 1 failed"


def test_check_vignettes_all_passing_exits_0(tmp_path):
    write(tmp_path / "a.json", [FEVER_DAY_2, NORMAL_DAY_3])
    code, out, _err = run("check_vignettes", str(tmp_path))
    assert code == 0
    assert out.splitlines() == ["2 passed, 0 failed"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("{", "broken.json: not valid JSON"),
        (
            {**NORMAL_DAY_3, "report": {"spo2": 101}},
            "broken.json: case (id 'normal-day-3'): report.spo2",
        ),
        (
            {k: v for k, v in NORMAL_DAY_3.items() if k != "expect"},
            "broken.json: case (id 'normal-day-3'): expect",
        ),
        ({**NORMAL_DAY_3, "expect": {"triage": "LATER"}}, "expect.triage"),
        ({**NORMAL_DAY_3, "id": "fever-day-2"}, "'fever-day-2' is also used in"),
    ],
)
def test_check_vignettes_malformed_files_exit_2_naming_file_and_key(tmp_path, content, named):
    write(tmp_path / "a-good.json", FEVER_DAY_2)
    write(tmp_path / "broken.json", content)
    code, out, err = run("check_vignettes", str(tmp_path))
    assert code == 2
    assert out == ""
    assert named in err


def test_check_vignettes_refuses_an_empty_or_missing_folder(tmp_path):
    assert run("check_vignettes", str(tmp_path))[0] == 2
    assert run("check_vignettes", str(tmp_path / "missing"))[0] == 2


def test_the_repository_vignettes_all_pass():
    assert VIGNETTES.is_dir(), f"{VIGNETTES} is missing"
    code, out, _err = run("check_vignettes", str(VIGNETTES))
    last = out.splitlines()[-1]
    passed, failed = (int(part.split()[0]) for part in last.split(", "))
    assert (failed, code) == (0, 0), out
    assert passed >= 14


# -- rules -----------------------------------------------------------------------------------------


def test_rules_prints_every_rule_as_markdown():
    code, out, _err = run("rules")
    assert code == 0
    assert out.startswith("# Triage rule table")
    assert RULESET_VERSION in out
    assert "## Thresholds" in out
    assert "fever_threshold_c" in out
    assert "| id | condition | category | triage | grade | sources | tags |" in out
    for row in RULES:
        assert f"| {row.id} |" in out, row.id
        assert row.triage.name in out


def test_the_published_rule_book_is_the_current_table():
    """docs/rules.md is what clinicians sign off; it must never drift from the code."""
    code, out, _err = run("rules")
    assert code == 0
    assert RULE_BOOK.read_text() == out, (
        "docs/rules.md is out of date: run `python manage.py rules --write` and have the "
        "change reviewed by a clinician"
    )


def test_the_read_only_commands_run_in_a_fresh_clone_with_no_django_variable():
    """No DJANGO_DEBUG, no secret key, no settings module: the rule book and the engine work."""
    rules = run_manage("rules", settings=None)
    assert (rules.returncode, rules.stderr) == (0, "")
    assert rules.stdout == RULE_BOOK.read_text()

    assessed = run_manage("assess", str(VIGNETTES / "a01.json"), settings=None)
    assert assessed.returncode == 0, assessed.stderr
    assert json.loads(assessed.stdout)["triage"] == "URGENT_NOW"

    checked = run_manage("check_vignettes", str(VIGNETTES), settings=None)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip().endswith(" passed, 0 failed")


def test_rules_write_refreshes_the_rule_book_in_one_step(tmp_path):
    book = write(tmp_path / "rules.md", "the old rule book\n")
    code, out, _err = run("rules", write=book)
    assert (code, out) == (0, "")
    assert book.read_text() == rules_command.render() + "\n"
    assert [path.name for path in tmp_path.iterdir()] == ["rules.md"]


def test_rules_write_that_fails_leaves_the_old_rule_book_whole(tmp_path, monkeypatch):
    book = write(tmp_path / "rules.md", "the old rule book\n")

    def broken_render():
        raise RuntimeError("a rule could not be rendered")

    monkeypatch.setattr(rules_command, "render", broken_render)
    with pytest.raises(RuntimeError):
        run("rules", write=book)
    assert book.read_text() == "the old rule book\n"
    assert [path.name for path in tmp_path.iterdir()] == ["rules.md"]


def test_assess_from_the_command_line_exits_2_on_bad_input(tmp_path):
    """The exit status a shell script sees, not only what call_command raises."""
    case = dict(FEVER_DAY_2, report={**FEVER_DAY_2["report"], "temperature_c": "hot"})
    done = run_manage("assess", "-", stdin=json.dumps(case), DJANGO_DEBUG="true")
    assert done.returncode == 2, done.stderr
    assert "temperature_c" in done.stderr
    assert "triage" not in done.stdout


# -- benchmark_engine ------------------------------------------------------------------------------


def test_benchmark_runs_and_reports_rate_and_distribution():
    code, out, _err = run("benchmark_engine", count=300, seed=7, repeat=1)
    assert code == 0
    assert "300 cases, seed 7" in out
    assert "assessments per second:" in out
    counts = [int(line.split()[1]) for line in out.splitlines() if line.startswith("  ")]
    assert sum(counts) == 300


def test_benchmark_corpus_is_reproducible_and_valid():
    from symptoms.benchmark import generate_corpus
    from symptoms.validation import validate_case

    first, second = generate_corpus(200, seed=3), generate_corpus(200, seed=3)
    assert first == second
    assert first != generate_corpus(200, seed=4)
    for context, report, history in first:
        validate_case({"context": context, "report": report, "history": history})
