"""The ``budgetopt`` command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from budgetopt.check import check_plan
from tests.conftest import MODELS, load

REQUIRED = ["status", "objective", "total_cost_eur", "budget_eur", "baseline_cost_eur",
            "children_total", "average_quality", "minimal_budget_eur", "constraint_groups",
            "solver", "input_sha256"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "budgetopt", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def read_plan(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "allocation.csv",
                       dtype={"municipality_id": str, "need_id": str, "provider_id": str})


def test_solve_drenthe_at_a_15_percent_cut(tmp_path):
    out = tmp_path / "out"
    proc = run("solve", str(MODELS / "drenthe"), "--budget-cut", "0.15", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "result.json").read_text())
    assert all(key in result for key in REQUIRED)
    assert result["status"] == "optimal"
    assert result["total_cost_eur"] <= result["budget_eur"] * (1 + 1e-9)
    assert result["solver"]["name"] == "HiGHS"
    assert result["solver"]["version"]
    assert len(result["input_sha256"]) == 64
    assert any(g.get("shadow_price") for g in result["constraint_groups"])
    instance = load("drenthe", budget_cut=0.15)
    assert result["input_sha256"] == instance.sha256
    assert check_plan(instance, read_plan(out)) == []
    assert "binding:" in proc.stdout


def test_solve_drenthe_at_a_25_percent_cut_explains_why_not(tmp_path):
    out = tmp_path / "out"
    proc = run("solve", str(MODELS / "drenthe"), "--budget-cut", "0.25", "--out", str(out))
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "infeasible"
    assert result["minimal_budget_eur"] > result["budget_eur"]
    assert len(result["diagnosis"]["conflicting_rules"]) >= 2
    assert (out / "allocation.csv").exists()


def test_bad_input_is_rejected_and_nothing_is_written(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(MODELS / "tiny" / "min_cost_floor", broken)
    demand = (broken / "demand.csv").read_text().replace("M1,FAM,2,10", "M1,FAM,2,-10")
    (broken / "demand.csv").write_text(demand)
    out = tmp_path / "out"
    proc = run("solve", str(broken), "--out", str(out), "--lang", "nl")
    assert proc.returncode == 2
    assert "demand.csv" in proc.stderr
    assert "children" in proc.stderr
    assert not out.exists()
    proc = run("validate", str(broken))
    assert proc.returncode == 2
    assert "demand.csv" in proc.stderr


def test_frontier_template_generate_and_check(tmp_path):
    proc = run("frontier", str(MODELS / "tiny" / "max_quality"), "--points", "5",
               "--out", str(tmp_path / "f"))
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "f" / "frontier.csv")
    assert len(table) == 5
    assert (table["status"] == "optimal").all()

    proc = run("template", str(tmp_path / "template.xlsx"))
    assert proc.returncode == 0, proc.stderr
    with pd.ExcelFile(tmp_path / "template.xlsx") as book:
        sheets = book.sheet_names
    assert {"municipalities", "demand", "offers", "_scalars"} <= set(sheets)

    proc = run("generate", str(tmp_path / "gen"), "--municipalities", "6", "--providers", "12",
               "--seed", "7")
    assert proc.returncode == 0, proc.stderr
    assert run("validate", str(tmp_path / "gen")).returncode == 0
    proc = run("solve", str(tmp_path / "gen"), "--out", str(tmp_path / "gen-out"))
    assert proc.returncode in (0, 1)
    if proc.returncode == 0:
        check = run("check", str(tmp_path / "gen"), str(tmp_path / "gen-out" / "allocation.csv"))
        assert check.returncode == 0, check.stdout


@pytest.mark.parametrize("region", ["drenthe", "twente", "ijsselland"])
def test_every_region_solves_with_its_own_scenario(region, tmp_path):
    proc = run("solve", str(MODELS / region), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    plan = read_plan(tmp_path)
    assert check_plan(load(region), plan) == []
