"""The ``budgetopt`` command line: solve, frontier, validate, check, template, generate, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from budgetopt.errors import InstanceError

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
OBJECTIVES = click.Choice(["min_cost", "max_quality", "min_disruption"])
LANGS = click.Choice(["nl", "en"])


def _load(instance: str, overrides: dict[str, object], lang: str):
    """Load and validate, or print every problem and exit 2 (nothing is written)."""
    from budgetopt.scenario.io import load_instance

    try:
        return load_instance(Path(instance), scenario_overrides=overrides or None, lang=lang)
    except InstanceError as error:
        count = len(error.problems)
        if lang == "nl":
            header = f"invoer afgekeurd: {count} {'probleem' if count == 1 else 'problemen'} in {instance}"
        else:
            header = f"input rejected: {count} problem{'' if count == 1 else 's'} in {instance}"
        click.echo(header, err=True)
        for problem in error.problems:
            click.echo(f"  - {problem.message(lang)}", err=True)
        sys.exit(2)


def _overrides(budget_cut: float | None, budget_eur: float | None, objective: str | None,
               time_limit: float | None) -> dict[str, object]:
    if budget_cut is not None and budget_eur is not None:
        raise click.UsageError("give --budget-cut or --budget-eur, not both")
    overrides: dict[str, object] = {}
    if budget_cut is not None:
        overrides["budget_cut"] = budget_cut
    if budget_eur is not None:
        overrides["budget_eur"] = budget_eur
    if objective is not None:
        overrides["objective"] = objective
    if time_limit is not None:
        overrides["time_limit_s"] = time_limit
    return overrides


@click.group()
@click.version_option(package_name="budgetopt")
def main() -> None:
    """Allocate a youth-care region's demand across providers and care levels within budget."""


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.option("--budget-cut", type=float, help="Budget as a cut on the baseline cost, e.g. 0.15.")
@click.option("--budget-eur", type=float, help="Budget in EUR per year.")
@click.option("--objective", type=OBJECTIVES, help="What to optimise (default: the scenario's).")
@click.option("--time-limit", type=float, help="Solver time limit in seconds.")
@click.option("--out", "out", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Folder for result.json and allocation.csv.")
@click.option("--lang", type=LANGS, default="en", show_default=True, help="Language of messages.")
def solve(instance: str, budget_cut: float | None, budget_eur: float | None, objective: str | None,
          time_limit: float | None, out: str, lang: str) -> None:
    """Solve INSTANCE (CSV folder, .xlsx or .json) and write the plan to --out."""
    data = _load(instance, _overrides(budget_cut, budget_eur, objective, time_limit), lang)
    from budgetopt.optimisation.solve import solve_instance

    result = solve_instance(data)
    result.write(Path(out))
    click.echo(_summary_line(result))
    if result.has_plan:
        for group in result.constraint_groups:
            price = group.get("shadow_price")
            if price:
                click.echo(f"  binding: {group['label']}: {price['text']}")
        return
    click.echo(f"no plan: {result.message}", err=True)
    sys.exit(1)


def _summary_line(result) -> str:
    k = result.kpis
    if not result.has_plan:
        return f"{result.status.value}: {result.message}"
    parts = [f"{result.status.value}", f"cost EUR {k['total_cost_eur']:,.0f}"]
    if k.get("budget_eur") is not None:
        parts.append(f"budget EUR {k['budget_eur']:,.0f}")
    if k.get("baseline_cost_eur") is not None:
        parts.append(f"baseline EUR {k['baseline_cost_eur']:,.0f}")
    if k.get("gap_closed_share") is not None:
        parts.append(f"gap closed {k['gap_closed_share']:.0%}")
    if k.get("average_quality") is not None:
        parts.append(f"average quality {k['average_quality']:.3f}")
    parts.append(f"stepped down {k.get('children_stepped_down', 0):,.0f}")
    if k.get("children_moved") is not None:
        parts.append(f"moved {k['children_moved']:,.0f}")
    return "; ".join(parts)


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.option("--points", type=int, default=20, show_default=True)
@click.option("--low", type=float, default=0.8, show_default=True, help="Lowest budget / baseline.")
@click.option("--high", type=float, default=1.0, show_default=True, help="Highest budget / baseline.")
@click.option("--objective", type=OBJECTIVES, help="Objective (default: the scenario's).")
@click.option("--cold", is_flag=True, help="Rebuild and solve from scratch at every point.")
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option("--lang", type=LANGS, default="en", show_default=True)
def frontier(instance: str, points: int, low: float, high: float, objective: str | None,
             cold: bool, out: str, lang: str) -> None:
    """The best objective for a series of budgets (a warm model, one row changed per point)."""
    data = _load(instance, {}, lang)
    from budgetopt.optimisation.frontier import budget_frontier, frontier_budgets

    try:
        budgets = frontier_budgets(data, points, low, high)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    table = budget_frontier(data, budgets, objective=objective, warm=not cold)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "frontier.csv", index=False, float_format="%.10g")
    click.echo(table[["budget_eur", "status", "objective_value", "average_quality"]]
               .to_string(index=False))
    click.echo(f"total solve time {table['time_s'].sum():.3f} s; written to {folder / 'frontier.csv'}")


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.option("--lang", type=LANGS, default="en", show_default=True)
def validate(instance: str, lang: str) -> None:
    """Check INSTANCE against the data dictionary; list every problem."""
    data = _load(instance, {}, lang)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in sorted(data.tables.items()))
    click.echo(("geldig" if lang == "nl" else "valid") + f": {counts}")


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.argument("allocation", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", type=LANGS, default="en", show_default=True)
def check(instance: str, allocation: str, lang: str) -> None:
    """Recompute every rule of INSTANCE for a plan (ALLOCATION csv) without the optimiser."""
    import pandas as pd

    from budgetopt.check import check_plan

    data = _load(instance, {}, lang)
    plan = pd.read_csv(allocation, dtype={"municipality_id": str, "need_id": str, "provider_id": str})
    unserved_path = Path(allocation).with_name("unserved.csv")
    unserved = pd.read_csv(unserved_path, dtype={"municipality_id": str, "need_id": str}) \
        if unserved_path.exists() else None
    violations = check_plan(data, plan, unserved)
    for violation in violations:
        click.echo(f"  - [{violation.family}] {violation.key}: {violation.message}")
    if violations:
        click.echo(f"{len(violations)} violation(s)", err=True)
        sys.exit(1)
    click.echo("plan satisfies every rule")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def template(path: str) -> None:
    """Write an empty, documented XLSX workbook to fill in."""
    from budgetopt.scenario.template import write_template

    write_template(Path(path))
    click.echo(f"template written to {path}")


@main.command()
@click.argument("out", type=click.Path())
@click.option("--municipalities", type=int, default=12, show_default=True)
@click.option("--providers", type=int, default=30, show_default=True)
@click.option("--needs", type=int, default=8, show_default=True)
@click.option("--regions", type=int, default=None)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--procurement", is_flag=True, help="Add contract lots (the MIP variant).")
def generate(out: str, municipalities: int, providers: int, needs: int, regions: int | None,
             seed: int, procurement: bool) -> None:
    """Write a seeded synthetic instance (CSV folder, .xlsx or .json by OUT's suffix)."""
    from budgetopt.scenario.generate import generate_instance
    from budgetopt.scenario.io import write_instance

    data = generate_instance(municipalities, providers, n_needs=needs, seed=seed, regions=regions,
                             procurement=procurement)
    write_instance(data, Path(out))
    click.echo(f"instance with {municipalities} municipalities and {providers} providers "
               f"written to {out}")


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--objective", type=OBJECTIVES)
def export(instance: str, path: str, objective: str | None) -> None:
    """Write the model as an LP or MPS file (by PATH's suffix) through Pyomo."""
    from budgetopt.optimisation.build import build_program
    from budgetopt.optimisation.pyomo_model import export_model

    data = _load(instance, {}, "en")
    export_model(build_program(data), objective or data.scenario.objective.value, Path(path))
    click.echo(f"model written to {path}")


@main.command()
@click.option("--region", default="drenthe", show_default=True, help="Example region in models/.")
@click.option("--out", type=click.Path(file_okay=False), default="out/drenthe", show_default=True)
def demo(region: str, out: str) -> None:
    """Solve an example region with its own scenario and show what the plan does."""
    from budgetopt.optimisation.solve import solve_instance

    data = _load(str(REPO_MODELS / region), {}, "en")
    result = solve_instance(data)
    result.write(Path(out))
    click.echo(f"{region}: {_summary_line(result)}")
    click.echo(json.dumps({k: result.kpis.get(k) for k in (
        "step_down_saving_eur", "provider_shift_saving_eur", "children_moved")}, indent=2))
    click.echo(f"written to {out}/result.json and {out}/allocation.csv")


# ------------------------------------------------------------------------------------ service

SERVER = click.option("--server", envvar="BUDGETOPT_SERVER", default="http://127.0.0.1:8000",
                      show_default=True, help="Base URL of the service (or BUDGETOPT_SERVER).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True, help="TCP port; 0 picks a free one.")
@click.option("--threads", type=int, default=8, show_default=True, help="Request threads.")
@click.option("--demo", is_flag=True, help="Load the Drenthe example when the database has no dataset.")
def serve(host: str, port: int, threads: int, demo: bool) -> None:
    """Run the service (waitress) with the job executor of the settings (BUDGETOPT_*)."""
    import signal

    from waitress import create_server

    from budgetopt.web import create_app, services_of

    app = create_app(start_executor=True)
    current = services_of(app)
    if demo:
        from budgetopt.web.demo import load_demo

        if load_demo(current.database, current.settings) is not None:
            click.echo("loaded the Drenthe example and a draft scenario")
    server = create_server(app, host=host, port=port, threads=threads)

    def _stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    click.echo(f"serving on http://{host}:{server.effective_port} "
               f"(executor {current.settings.executor}, database {current.database.url.get_backend_name()})")
    sys.stdout.flush()
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
        current.close()


@main.command()
@click.option("--concurrency", type=int, default=None, help="Worker processes (default: BUDGETOPT_WORKERS).")
@click.option("--queues", default=None, help="Comma-separated Celery queues (default: the service's).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, queues: str | None, loglevel: str) -> None:
    """Run a Celery worker for the service's jobs (BUDGETOPT_EXECUTOR=celery, broker BUDGETOPT_BROKER_URL)."""
    from budgetopt.jobs.celery_app import run_worker
    from budgetopt.settings import Settings

    settings = Settings()
    options: dict[str, object] = {"loglevel": loglevel}
    if queues:
        options["queues"] = [q.strip() for q in queues.split(",") if q.strip()]
    run_worker(settings, concurrency or settings.workers, **options)


def _client(server: str):
    from budgetopt.client import Client

    return Client(server)


def _api_call(call):
    """Run a client call; print the service's problem and exit 1 on an error answer."""
    from budgetopt.client import ApiError, WaitTimeout

    try:
        return call()
    except ApiError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    except WaitTimeout as error:
        click.echo(str(error), err=True)
        sys.exit(3)


def _job_line(job: dict) -> str:
    parts = [f"job {job['id']}: {job['status']}"]
    if job.get("phase"):
        parts.append(f"phase {job['phase']}")
    if job.get("elapsed_s") is not None:
        parts.append(f"elapsed {job['elapsed_s']:.1f} s")
    if job.get("gap") is not None:
        parts.append(f"gap {job['gap']:.2%}")
    if job.get("result_status"):
        parts.append(f"result {job['result_status']}")
    if job.get("error"):
        parts.append(f"error {job['error']['code']}: {job['error']['message']}")
    return "; ".join(parts)


@main.command()
@click.argument("instance", type=click.Path(exists=True))
@SERVER
@click.option("--name", help="Name of the dataset and scenario (default: the instance's name).")
@click.option("--budget-cut", type=float, help="Budget as a cut on the baseline cost, e.g. 0.15.")
@click.option("--budget-eur", type=float, help="Budget in EUR per year.")
@click.option("--objective", type=OBJECTIVES, help="What to optimise (default: the scenario's).")
@click.option("--time-limit", type=float, help="Solver time limit in seconds.")
@click.option("--wait", "wait_", is_flag=True, help="Wait until the job ends.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="How long to wait [s].")
@click.option("--out", type=click.Path(file_okay=False), help="With --wait: write the result files here.")
@click.option("--lang", type=LANGS, default="en", show_default=True, help="Language of messages.")
def submit(instance: str, server: str, name: str | None, budget_cut: float | None, budget_eur: float | None,
           objective: str | None, time_limit: float | None, wait_: bool, timeout: float, out: str | None,
           lang: str) -> None:
    """Upload INSTANCE to the service, create a scenario and queue a solve."""
    from budgetopt.client import Client

    if out and not wait_:
        raise click.UsageError("--out needs --wait")
    parameters = _overrides(budget_cut, budget_eur, objective, None)
    label = name or Path(instance).stem
    with Client(server, language=lang) as client:
        dataset = _api_call(lambda: client.upload_dataset(instance, name=label))
        scenario = _api_call(lambda: client.create_scenario(dataset["id"], label, parameters))
        job = _api_call(lambda: client.submit(scenario["id"], time_limit_s=time_limit))
        click.echo(_job_line(job))
        if not wait_:
            return
        job = _api_call(lambda: client.wait(job["id"], timeout_s=timeout))
        click.echo(_job_line(job))
        if job["status"] != "succeeded":
            sys.exit(1)
        if out:
            written = _api_call(lambda: client.download(job["id"], Path(out)))
            click.echo("written: " + ", ".join(str(p) for p in written))


@main.command()
@click.argument("job_id")
@SERVER
def status(job_id: str, server: str) -> None:
    """Show a job's status and progress."""
    with _client(server) as client:
        click.echo(_job_line(_api_call(lambda: client.status(job_id))))


@main.command()
@click.argument("job_id")
@SERVER
def cancel(job_id: str, server: str) -> None:
    """Cancel a job (a queued job never starts; a running one is interrupted)."""
    with _client(server) as client:
        click.echo(_job_line(_api_call(lambda: client.cancel(job_id))))


@main.command()
@click.argument("job_id")
@SERVER
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
def download(job_id: str, server: str, out: str) -> None:
    """Write a finished job's result.json and allocation.csv to --out."""
    with _client(server) as client:
        written = _api_call(lambda: client.download(job_id, Path(out)))
    click.echo("written: " + ", ".join(str(p) for p in written))


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def openapi(out: str | None) -> None:
    """Print the service's OpenAPI document (YAML), as api/openapi.yaml holds it."""
    from budgetopt.web.contract import openapi_yaml

    text = openapi_yaml()
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("result", type=click.Path(exists=True))
@click.option("--lang", type=LANGS, default="nl", show_default=True, help="Language of the report.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False), help="Write the HTML report here.")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False), help="Write the tagged PDF report here.")
@click.option("--xlsx", "xlsx_out", type=click.Path(dir_okay=False), help="Write the XLSX workbook here.")
@click.option("--csv-zip", "zip_out", type=click.Path(dir_okay=False), help="Write the CSV files (zip) here.")
def report(result: str, lang: str, html_out: str | None, pdf_out: str | None, xlsx_out: str | None,
           zip_out: str | None) -> None:
    """Write the board report and exports of RESULT (the directory `solve` wrote, or its result.json)."""
    from budgetopt.reports.board import render_report_html, render_report_pdf
    from budgetopt.reports.export import result_csv_zip, result_xlsx
    from budgetopt.reports.source import directory_source

    if not any((html_out, pdf_out, xlsx_out, zip_out)):
        raise click.UsageError("give at least one of --html, --pdf, --xlsx, --csv-zip")
    try:
        source = directory_source(Path(result))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read the result: {error}") from error
    written = []
    if html_out:
        Path(html_out).write_text(render_report_html(source.summary, source.meta, lang), encoding="utf-8")
        written.append(html_out)
    if pdf_out:
        Path(pdf_out).write_bytes(render_report_pdf(source.summary, source.meta, lang))
        written.append(pdf_out)
    if xlsx_out:
        Path(xlsx_out).write_bytes(result_xlsx(source.summary, source.files, lang))
        written.append(xlsx_out)
    if zip_out:
        Path(zip_out).write_bytes(result_csv_zip(source.summary, source.files))
        written.append(zip_out)
    click.echo("written: " + ", ".join(written))
