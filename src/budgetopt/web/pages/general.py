"""The overview, the comparison of runs and the accessibility statement."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from budgetopt.web.api.comparisons import DATASET_BASELINE, compare_runs
from budgetopt.web.api.reads import read_repository
from budgetopt.web.pages.blueprint import error_page, web
from budgetopt.web.problems import ApiProblem

MIN_RUNS = 2
MAX_RUNS = 5
KPI_LABELS: dict[str, Any] = {
    "total_cost_eur": _l("Total cost"),
    "saving_eur": _l("Saving on the baseline"),
    "average_quality": _l("Average quality"),
    "children_served": _l("Children served"),
    "children_unserved": _l("Children on the waiting list"),
    "children_stepped_down": _l("Children served lighter"),
    "children_moved": _l("Children moved to another provider"),
    "out_of_home_share": _l("Share in out-of-home care"),
    "gap_closed_share": _l("Budget gap closed"),
}
KPI_FORMATS = {"total_cost_eur": "money", "saving_eur": "money", "average_quality": "quality",
               "children_served": "count", "children_unserved": "count", "children_stepped_down": "count",
               "children_moved": "count", "out_of_home_share": "percent", "gap_closed_share": "percent"}


@web.get("/")
def overview() -> str:
    """Datasets, recent scenarios and recent jobs of the region."""
    with read_repository() as repo:
        datasets = [{"id": d.id, "name": d.name, "created_at": d.created_at}
                    for d in repo.list_datasets(per_page=5).items]
        scenarios = [{"id": s.id, "name": s.name, "status": s.status, "updated_at": s.updated_at}
                     for s in repo.list_scenarios(per_page=10).items]
        names = {s["id"]: s["name"] for s in scenarios}
        jobs = []
        for job in repo.list_jobs(per_page=10).items:
            if job.scenario_id not in names:
                names[job.scenario_id] = repo.get_scenario(job.scenario_id).name
            jobs.append({"id": job.id, "kind": job.kind, "status": job.status, "created_at": job.created_at,
                         "scenario": names[job.scenario_id]})
    return render_template("pages/overview.html", datasets=datasets, scenarios=scenarios, jobs=jobs)


@web.get("/toegankelijkheid")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("pages/accessibility.html")


def comparison(job_ids: list[str], baseline: str) -> dict[str, Any]:
    """The API's comparison of runs: KPIs per run and their deltas against the baseline."""
    with read_repository() as repo:
        return compare_runs(repo, job_ids, baseline)


def _finished_jobs() -> list[dict[str, Any]]:
    with read_repository() as repo:
        found = []
        for job in repo.list_jobs(status="succeeded", per_page=50).items:
            if job.kind == "solve":
                found.append({"id": job.id, "scenario": repo.get_scenario(job.scenario_id).name,
                              "finished_at": job.finished_at})
        return found


@web.get("/compare")
def compare() -> tuple[str, int]:
    """2-5 runs side by side with deltas against the dataset's baseline or one of the runs."""
    chosen = [j for j in request.args.getlist("jobs") for j in j.split(",") if j.strip()]
    chosen = list(dict.fromkeys(j.strip() for j in chosen))
    baseline = request.args.get("baseline", DATASET_BASELINE) or DATASET_BASELINE
    finished = _finished_jobs()
    context: dict[str, Any] = {"finished": finished, "chosen": chosen, "baseline": baseline,
                               "labels": KPI_LABELS, "formats": KPI_FORMATS, "table": None, "error": ""}
    status = 200
    if chosen:
        if not MIN_RUNS <= len(chosen) <= MAX_RUNS:
            context["error"] = _("Choose 2 to 5 runs.")
            status = 422
        else:
            try:
                context["table"] = comparison(chosen, baseline)
            except ApiProblem as problem:
                extra = problem.extra_data or {}
                context["error"] = _("These runs cannot be compared: %(reason)s",
                                     reason=extra.get("problem_detail") or problem.message)
                status = problem.status_code
    if status == 404:
        return error_page(404, _("Not found"), context["error"])
    return render_template("pages/compare.html", **context), status
