"""End-to-end: `nedcohort demo` and `nedcohort run` through the command line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nedcohort.cli import app
from nedcohort.simulate import write_population

runner = CliRunner()
pytestmark = pytest.mark.e2e
PROTOCOL = Path(__file__).parents[1] / "src" / "nedcohort" / "protocols" / "tog-her2-ned.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cohort:" in result.output
    return out


def test_demo_writes_every_output(demo):
    names = {p.name for p in demo.iterdir()}
    assert {"results.json", "manifest.json", "report.html", "study.duckdb", "tables"} <= names
    tables = {"flow", "table1", "logistic", "cox", "km_medians", "bias_aware", "imputation"}
    assert {p.name for p in (demo / "tables").iterdir()} >= {
        *(f"{t}.csv" for t in tables),
        *(f"{t}.tex" for t in tables),
        "tables.docx",
    }
    assert {p.name for p in (demo / "data").iterdir()} >= {"table1.csv", "cox.csv", "flow.csv"}
    figures = {p.name for p in (demo / "figures").iterdir()}
    for stem in ("km", "flow", "forest_cox", "forest_logistic", "simon_makuch"):
        assert {f"{stem}.png", f"{stem}.svg"} <= figures


def test_results_json_has_the_design_keys_and_the_flow_adds_up(demo):
    results = json.loads((demo / "results.json").read_text())
    assert {"flow", "cohort", "km", "logrank", "logistic", "cox"} <= set(results)
    flow = results["flow"]
    assert flow[0]["n_before"] == 700  # the default source population
    for before, after in itertools.pairwise(flow):
        assert after["n_before"] == before["n_after"]
    for step in flow:
        assert step["n_before"] - step["n_excluded"] == step["n_after"]
        assert sum(step["reasons"].values()) == step["n_excluded"]
    assert flow[-1]["n_after"] == results["cohort"]["n"]
    assert 80 <= results["cohort"]["n"] <= 160  # the study had 118
    assert {row["group"] for row in results["km"]} == {"0", "1"}
    for row in results["cox"]:
        assert set(row) >= {"term", "hr", "ci_lower", "ci_upper", "p_value"}
    ned = next(row for row in results["cox"] if row["term"] == "ned")
    assert ned["hr"] < 1  # NED: longer progression-free survival
    manifest = json.loads((demo / "manifest.json").read_text())
    assert manifest["protocol"]["conventions"] == "spss" and manifest["inputs"]


def test_bias_aware_analyses_and_the_size_of_the_bias(demo):
    """NED entered as if known at first-line start credits pre-NED time to NED: the naive
    hazard ratio is more extreme (further below 1) than the time-dependent one."""
    results = json.loads((demo / "results.json").read_text())
    for key in (
        "landmark",
        "time_dependent_cox",
        "simon_makuch",
        "mantel_byar",
        "left_truncated",
        "naive_vs_bias_aware",
        "bootstrap",
    ):
        assert key in results, key
    rows = {
        row["method"].split(":")[0].split(",")[0]: row for row in results["naive_vs_bias_aware"]
    }
    naive, dependent = rows["naive"]["hr"], rows["time-dependent NED"]["hr"]
    assert naive < dependent < 1
    assert results["mantel_byar"]["df"] == 1 and 0 <= results["mantel_byar"]["p_value"] <= 1
    assert [row["landmark"] for row in results["landmark"]] == [36, 48, 60]
    boot = results["bootstrap"]
    assert boot["n_resamples"] == 1000
    assert [row["term"] for row in boot["rows"]] == [row["term"] for row in results["cox"]]
    for row in boot["rows"]:
        assert row["ci_lower"] < row["hr"] < row["ci_upper"]
    c = boot["concordance"]
    assert 0.5 < c["corrected"] < c["apparent"] < 1 and c["optimism"] > 0
    assert len(results["bootstrap_logistic"]["rows"]) == len(results["logistic"])


def test_multiple_imputation_beside_complete_case(demo):
    """The packaged protocol turns imputation on: grade is missing for some patients."""
    results = json.loads((demo / "results.json").read_text())
    mi = results["imputation"]
    assert mi["m"] == 20 and mi["imputed"]["grade_3"] > 0
    complete = {row["term"]: row for row in results["cox"]}
    pooled = {row["term"]: row for row in mi["cox"]}
    assert set(pooled) == set(complete)
    assert pooled["grade_3"]["fmi"] > 0.05  # imputed: real between-imputation variance
    assert mi["cox"][0]["ci_lower"] < mi["cox"][0]["hr"] < mi["cox"][0]["ci_upper"]
    assert {row["term"] for row in mi["logistic"]} == {row["term"] for row in results["logistic"]}


def test_rerun_with_the_same_seed_gives_identical_results(demo, tmp_path):
    again = tmp_path / "again"
    assert runner.invoke(app, ["demo", "--out", str(again), "--quiet"]).exit_code == 0
    assert (again / "results.json").read_text() == (demo / "results.json").read_text()


def test_run_on_user_records_and_its_errors(tmp_path):
    records = tmp_path / "records"
    write_population(records, 400, seed=9, fmt="csv")
    protocol = yaml.safe_load(PROTOCOL.read_text())
    protocol["conventions"] = "r"
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(protocol))
    result = runner.invoke(app, ["run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    assert results["conventions"] == "r"
    # a small cohort (seed 9: 30 complete cases with the rarer outcome, 4 covariates -> 7.5):
    # Firth's penalized likelihood replaces ML, and says so
    epv = results["events_per_variable"]["logistic"]
    assert epv == pytest.approx(7.5)
    assert results["logistic_notes"][0].startswith("EPV = 7.5 < 10: Firth")
    assert "logistic_ml" in results
    assert {"cox_center_cluster", "cox_center_strata"} <= set(results)
    robust = {row["term"]: row for row in results["cox_center_cluster"]}
    assert all(row["se"] != row["naive_se"] for row in robust.values())

    protocol["analyses"]["cox"]["covariates"].append("ecgo_0")
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(protocol))
    bad = runner.invoke(app, ["run", str(tmp_path / "typo.yaml"), "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert "unknown variable 'ecgo_0'" in bad.output and "Did you mean 'ecog_0'" in bad.output
    assert not (tmp_path / "x").exists()

    protocol["analyses"]["cox"]["covariates"].pop()
    protocol["conventons"] = "r"
    (tmp_path / "key.yaml").write_text(yaml.safe_dump(protocol))
    bad = runner.invoke(app, ["run", str(tmp_path / "key.yaml"), "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown key 'conventons'" in bad.output
    assert "Did you mean 'conventions'" in bad.output


def test_bad_records_stop_the_run_with_exit_1_and_no_output(tmp_path):
    bad = Path(__file__).parent / "data" / "bad" / "ecog_seven"
    protocol = yaml.safe_load(PROTOCOL.read_text())
    protocol["data"]["source"] = str(bad)
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(protocol))
    result = runner.invoke(app, ["run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "patients.csv row 2, column ecog" in result.output
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["study.yaml"]


def test_gbsg_example_matches_r(tmp_path, r_reference):
    """`nedcohort run examples/gbsg/study.yaml` reproduces R's coxph, survfit and survdiff."""
    example = Path(__file__).parents[1] / "examples" / "gbsg" / "study.yaml"
    result = runner.invoke(app, ["run", str(example), "--out", str(tmp_path / "gbsg")])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "gbsg" / "results.json").read_text())
    cox = next(c for c in r_reference["cox"] if c["name"] == "gbsg_efron")
    ours = {row["term"].replace("[", "").replace("]", ""): row for row in results["cox"]}
    ours["hormon"], ours["meno"] = ours.pop("hormon1"), ours.pop("meno1")
    for term, coef, se in zip(cox["terms"], cox["coef"], cox["se"], strict=True):
        assert ours[term]["coef"] == pytest.approx(coef, rel=1e-6)
        assert ours[term]["se"] == pytest.approx(se, rel=1e-6)
    logrank = next(c for c in r_reference["logrank"] if c["name"] == "gbsg_hormon")
    assert results["logrank"]["statistic"] == pytest.approx(logrank["statistic"], rel=1e-6)
    km = next(c for c in r_reference["km"] if c["name"] == "gbsg_by_hormon_months")
    for ours_row, r_row in zip(results["km"], km["medians"], strict=True):
        assert ours_row["group"] == str(r_row["group"])
        for key in ("median", "ci_lower", "ci_upper"):
            if r_row[key] is None:  # not reached (NA in R)
                assert ours_row[key] is None
            else:
                assert ours_row[key] == pytest.approx(r_row[key], rel=1e-6)
    assert results["cohort"]["n"] == 686
