"""Scenario pages: the list (search, status, dataset, tags), the form with every lever (new, edit while
a draft), duplicate, and submitting a solve or a budget frontier."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError

from budgetopt.scenario.instance import Instance
from budgetopt.storage import Conflict, Repository, ScenarioStatus
from budgetopt.web.api.reads import read_repository
from budgetopt.web.pages.blueprint import web
from budgetopt.web.pages.formatting import lang
from budgetopt.web.pages.levers import (
    BUDGET_MODES,
    GROUPS,
    LEVERS,
    OBJECTIVES,
    UNITS,
    LeverError,
    form_text,
    parse_number,
    read_form,
    refusals,
)
from budgetopt.web.services import repository, services

SCENARIOS_PER_PAGE = 20
FRONTIER_DEFAULTS = {"points": "9", "low": "80", "high": "100"}
STATUSES = (ScenarioStatus.DRAFT.value, ScenarioStatus.SUBMITTED.value)


def _levels(instance: Instance) -> list[tuple[int, str]]:
    frame = instance.tables["levels"]
    return sorted((int(row.level), str(row.code)) for row in frame.itertuples())


def _tags(text: str) -> list[str]:
    return sorted({t.strip() for t in text.split(",") if t.strip()})


def _form_context(text: dict[str, str], errors: dict[str, str], levels: list[tuple[int, str]],
                  **extra: Any) -> dict[str, Any]:
    groups = [(key, label, [lever for lever in LEVERS if lever.group == key])
              for key, label in GROUPS.items()]
    return {"text": text, "errors": errors, "levels": levels, "groups": groups, "objectives": OBJECTIVES,
            "units": UNITS, "budget_modes": BUDGET_MODES, "frontier": dict(FRONTIER_DEFAULTS), **extra}


@web.get("/scenarios")
def scenarios_list() -> str:
    """Scenarios by text search, status, dataset and tag, newest first."""
    q = request.args.get("q", "").strip()
    tag = request.args.get("tag", "").strip()
    status = request.args.get("status", "")
    dataset_id = request.args.get("dataset", "")
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    with read_repository() as repo:
        datasets = {d.id: d.name for d in repo.list_datasets(per_page=100).items}
        page = repo.list_scenarios(q=q or None, tags=_tags(tag),
                                   status=status if status in STATUSES else None,
                                   dataset_id=dataset_id or None, page=page_number,
                                   per_page=SCENARIOS_PER_PAGE)
        rows = [{"id": s.id, "name": s.name, "description": s.description, "status": s.status,
                 "tags": list(s.tags), "dataset": datasets.get(s.dataset_id, s.dataset_id),
                 "updated_at": s.updated_at} for s in page.items]
    pages = max(1, -(-page.total // page.per_page))
    return render_template("pages/scenarios.html", scenarios=rows, q=q, tag=tag, status=status,
                           dataset_id=dataset_id, datasets=datasets, statuses=STATUSES, page=page.page,
                           pages=pages, total=page.total)


@web.get("/scenarios/new")
def scenario_new() -> str | tuple[str, int]:
    """The form of a new scenario, filled with the dataset's own scenario values."""
    dataset_id = request.args.get("dataset", "")
    with read_repository() as repo:
        datasets = {d.id: d.name for d in repo.list_datasets(per_page=100).items}
        if not dataset_id:
            return render_template("pages/scenario_pick.html", datasets=datasets)
        dataset = repo.get_dataset(dataset_id)
        instance = repo.dataset_instance(dataset)
    text = form_text(instance.scenario, _levels(instance), lang())
    text.update(name=instance.scenario.name, description=instance.scenario.description, tags="")
    return render_template("pages/scenario_form.html", **_form_context(
        text, {}, _levels(instance), dataset={"id": dataset_id, "name": datasets[dataset_id]}, scenario=None))


def _read(repo: Repository, dataset_id: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str],
                                                       list[tuple[int, str]], str, list[str]]:
    instance = repo.dataset_instance(repo.get_dataset(dataset_id))
    levels = _levels(instance)
    state = read_form(request.form, instance.scenario, levels, lang())
    name = request.form.get("name", "").strip()
    if not name:
        state.errors["name"] = _("Give the scenario a name.")
    elif len(name) > 200:
        state.errors["name"] = _("At most 200 characters.")
    if not state.errors:
        try:
            instance.with_scenario(**state.parameters)
        except ValidationError as error:
            state.errors.update(refusals(error))
    return state.parameters, state.errors, state.text, levels, name, _tags(request.form.get("tags", ""))


@web.post("/scenarios/new")
def scenario_create() -> Response | tuple[str, int]:
    """Store a new draft; the form again with a message next to each refused input."""
    dataset_id = request.form.get("dataset_id", "")
    with repository() as repo:
        dataset = repo.get_dataset(dataset_id)
        parameters, errors, text, levels, name, tags = _read(repo, dataset_id)
        if errors:
            context = _form_context(text, errors, levels, dataset={"id": dataset.id, "name": dataset.name},
                                    scenario=None)
            return render_template("pages/scenario_form.html", **context), 422
        scenario = repo.add_scenario(dataset_id, name, parameters,
                                     description=request.form.get("description", "").strip(), tags=tags)
        scenario_id = scenario.id
    return redirect(url_for("web.scenario_view", scenario_id=scenario_id), code=303)


def _scenario_context(repo: Repository, scenario_id: str) -> tuple[dict[str, Any], Instance, list[Any]]:
    scenario = repo.get_scenario(scenario_id)
    dataset = repo.get_dataset(scenario.dataset_id)
    instance = repo.dataset_instance(dataset).with_scenario(**scenario.parameters)
    jobs = [{"id": j.id, "kind": j.kind, "status": j.status, "created_at": j.created_at}
            for j in repo.list_jobs(scenario_id=scenario.id, per_page=50).items]
    info = {"id": scenario.id, "name": scenario.name, "description": scenario.description or "",
            "tags": list(scenario.tags), "status": scenario.status, "parent_id": scenario.parent_id,
            "created_at": scenario.created_at, "updated_at": scenario.updated_at,
            "dataset": {"id": dataset.id, "name": dataset.name}, "parameters": dict(scenario.parameters)}
    return info, instance, jobs


@web.get("/scenarios/<string:scenario_id>")
def scenario_view(scenario_id: str) -> str:
    """A scenario: the edit form while a draft, else its levers read-only; its runs."""
    with read_repository() as repo:
        info, instance, jobs = _scenario_context(repo, scenario_id)
    levels = _levels(instance)
    text = form_text(instance.scenario, levels, lang())
    text.update(name=info["name"], description=info["description"], tags=", ".join(info["tags"]))
    return render_template("pages/scenario_form.html", **_form_context(
        text, {}, levels, dataset=info["dataset"], scenario=info, jobs=jobs,
        readonly=info["status"] != ScenarioStatus.DRAFT.value))


@web.post("/scenarios/<string:scenario_id>")
def scenario_update(scenario_id: str) -> Response | tuple[str, int]:
    """Save a draft's changes (a submitted scenario is refused: duplicate it instead)."""
    with repository() as repo:
        info, _instance, jobs = _scenario_context(repo, scenario_id)
        if info["status"] != ScenarioStatus.DRAFT.value:
            raise Conflict(_("A job ran this scenario, so it can no longer be changed; "
                             "duplicate it instead."))
        parameters, errors, text, levels, name, tags = _read(repo, info["dataset"]["id"])
        if errors:
            context = _form_context(text, errors, levels, dataset=info["dataset"], scenario=info, jobs=jobs,
                                    readonly=False)
            return render_template("pages/scenario_form.html", **context), 422
        repo.update_scenario(scenario_id, name=name, description=request.form.get("description", "").strip(),
                             tags=tags, parameters=parameters)
    return redirect(url_for("web.scenario_view", scenario_id=scenario_id, saved=1), code=303)


@web.post("/scenarios/<string:scenario_id>/duplicate")
def scenario_duplicate(scenario_id: str) -> Response:
    """A new draft with the same dataset, levers, description and tags."""
    with repository() as repo:
        copy_id = repo.duplicate_scenario(scenario_id).id
    return redirect(url_for("web.scenario_view", scenario_id=copy_id), code=303)


def _submit(scenario_id: str, kind: str, options: dict[str, Any]) -> Response:
    current = services()
    with repository() as repo:
        own = (repo.get_scenario(scenario_id).parameters or {}).get("time_limit_s")
        options["time_limit_s"] = float(own) if own is not None else current.settings.default_time_limit_s
        job, _created = repo.create_job(scenario_id, kind=kind, options=options,
                                        max_attempts=current.settings.max_attempts)
        job_id = job.id
    current.enqueue(job_id)
    return redirect(url_for("web.job_view", job_id=job_id), code=303)


@web.post("/scenarios/<string:scenario_id>/solve")
def scenario_solve(scenario_id: str) -> Response:
    """Queue a solve of the scenario and show its progress."""
    return _submit(scenario_id, "solve", {})


@web.post("/scenarios/<string:scenario_id>/frontier")
def scenario_frontier(scenario_id: str) -> Response | tuple[str, int]:
    """Queue a budget frontier (``points`` budgets from ``low`` % to ``high`` % of the baseline cost)."""
    frontier = {key: request.form.get(key, default) for key, default in FRONTIER_DEFAULTS.items()}
    errors: dict[str, str] = {}
    values: dict[str, float] = {}
    for key, text in frontier.items():
        try:
            number = parse_number(text, lang())
        except LeverError:
            number = None
        if number is None:
            errors[key] = _("Enter a number.")
        else:
            values[key] = float(number)
    if not errors:
        if not (values["points"] == int(values["points"]) and 2 <= values["points"] <= 50):
            errors["points"] = _("Between 2 and 50 points.")
        if not 0 < values["low"] < values["high"] <= 500:
            errors["low"] = _("The lowest budget must be above 0 % and below the highest.")
    if errors:
        with read_repository() as repo:
            info, instance, jobs = _scenario_context(repo, scenario_id)
        levels = _levels(instance)
        text = form_text(instance.scenario, levels, lang())
        text.update(name=info["name"], description=info["description"], tags=", ".join(info["tags"]))
        context = _form_context(text, {}, levels, dataset=info["dataset"], scenario=info, jobs=jobs,
                                readonly=info["status"] != ScenarioStatus.DRAFT.value)
        context["frontier"] = frontier
        context["frontier_errors"] = errors
        return render_template("pages/scenario_form.html", **context), 422
    options = {"points": int(values["points"]), "low": values["low"] / 100, "high": values["high"] / 100}
    return _submit(scenario_id, "frontier", options)
