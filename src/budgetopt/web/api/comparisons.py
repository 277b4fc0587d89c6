"""Comparisons: the KPIs of 2-5 finished runs side by side, with deltas against a baseline."""

from __future__ import annotations

from typing import Any

from budgetopt.storage import Repository
from budgetopt.web.api.blueprint import api
from budgetopt.web.api.reads import read_repository
from budgetopt.web.api.results import result_of
from budgetopt.web.problems import ApiProblem
from budgetopt.web.schemas import ComparisonIn, ComparisonOut

TAG = {"tags": ["comparisons"]}
KPIS = (
    "total_cost_eur", "saving_eur", "average_quality", "children_served", "children_unserved",
    "children_stepped_down", "children_moved", "out_of_home_share", "gap_closed_share",
)
DATASET_BASELINE = "dataset"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _run(repo: Repository, job_id: str) -> dict[str, Any]:
    job = repo.get_job(job_id)
    record = result_of(repo, job_id)
    scenario = repo.get_scenario(job.scenario_id)
    kpis = (record.summary or {}).get("kpis") or {}
    return {"job_id": job_id, "label": scenario.name, "status": record.status or "",
            "kpis": {k: _number(kpis.get(k)) for k in KPIS}, "raw": kpis}


def _dataset_baseline(first: dict[str, Any]) -> dict[str, Any]:
    """The current allocation (the dataset's baseline table) in the KPIs of a run."""
    raw = first["raw"]
    if raw.get("baseline_cost_eur") is None:
        raise ApiProblem("invalid-input", "the dataset has no baseline table; give a job id as baseline",
                         errors=[{"location": "json", "field": "baseline", "message": "no baseline table"}])
    kpis = {k: None for k in KPIS}
    kpis.update(total_cost_eur=_number(raw.get("baseline_cost_eur")), saving_eur=0.0,
                average_quality=_number(raw.get("baseline_average_quality")),
                children_served=_number(raw.get("baseline_children")), children_stepped_down=0.0,
                children_moved=0.0, out_of_home_share=_number(raw.get("baseline_out_of_home_share")))
    return {"job_id": None, "label": "baseline", "status": "baseline", "kpis": kpis}


def _deltas(kpis: dict[str, float | None], base: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if kpis[k] is None or base[k] is None else kpis[k] - base[k] for k in KPIS}


def compare_runs(repo: Repository, job_ids: list[str], baseline: str) -> dict[str, Any]:
    """KPIs of finished runs side by side, each with its deltas against ``baseline`` (``dataset``:
    the current allocation of the first run's dataset, or a job id)."""
    runs = [_run(repo, job_id) for job_id in job_ids]
    base = _dataset_baseline(runs[0]) if baseline == DATASET_BASELINE else _run(repo, baseline)
    base.pop("raw", None)
    base["deltas"] = dict.fromkeys(KPIS, 0.0)
    for run in runs:
        run.pop("raw")
        run["deltas"] = _deltas(run["kpis"], base["kpis"])
    return {"kpis": list(KPIS), "baseline": base, "runs": runs}


@api.post("/comparisons")
@api.doc(**TAG, responses={404: "No such job or no result", 409: "A job has no result yet"})
@api.input(ComparisonIn, location="json")
@api.output(ComparisonOut)
def compare(json_data: ComparisonIn) -> dict[str, Any]:
    """KPIs of the runs side by side; ``baseline`` is ``dataset`` (the current allocation) or a job id."""
    if len(set(json_data.job_ids)) != len(json_data.job_ids):
        raise ApiProblem("invalid-input", "job_ids: each job once",
                         errors=[{"location": "json", "field": "job_ids", "message": "each job once"}])
    with read_repository() as repo:
        return compare_runs(repo, list(json_data.job_ids), json_data.baseline)
