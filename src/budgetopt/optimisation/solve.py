"""One solve, end to end: build, run HiGHS, hold the objective for a tie-break, extract."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

import budgetopt
from budgetopt.optimisation import extract
from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.highs import HighsSession, RawSolve, SolveOptions, highs_version
from budgetopt.optimisation.monitor import Monitor
from budgetopt.optimisation.procurement import drop_closed_lots
from budgetopt.optimisation.program import Program, objective_in_user_units
from budgetopt.optimisation.status import SolveStatus
from budgetopt.results import ALLOCATION_COLUMNS, UNSERVED_COLUMNS, Result
from budgetopt.scenario.instance import Instance

#: The second objective that breaks ties of each primary objective.
TIE_BREAK = {"min_cost": "max_quality", "max_quality": "min_cost", "min_disruption": "min_cost"}


@dataclass
class PlanSolve:
    """The numbers of a solve before extraction."""

    program: Program
    raw: RawSolve
    values: np.ndarray | None
    duals: np.ndarray | None
    dual_values: np.ndarray | None
    build_s: float


def options_for(instance: Instance, options: SolveOptions | None = None) -> SolveOptions:
    """Solver options: the scenario's time limit and gap unless given explicitly."""
    if options is not None:
        return options
    return SolveOptions(time_limit_s=instance.scenario.time_limit_s,
                        mip_gap=instance.scenario.mip_gap)


def solve_program(program: Program, objective: str, options: SolveOptions,
                  *, tie_break: bool = True, session: HighsSession | None = None,
                  ) -> tuple[RawSolve, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Solve; return the raw outcome, the plan, and the duals with the primal they belong to.

    For a MIP the duals are those of the LP with the contract decisions fixed. A live
    ``session`` already holding ``program`` is reused (warm); it is left changed (the
    optimal face is held), so its owner resets it with ``update_to`` before the next solve.
    """
    session = session or HighsSession(program, objective, options)
    if session.has_integers:
        from budgetopt.optimisation.procurement import run_mip

        raw = run_mip(session, program)
    else:
        raw = session.run()
    if not raw.status.has_plan or (session.monitor is not None and session.monitor.stopped):
        return raw, None, None, None
    values = raw.col_value
    if session.has_integers:
        session.fix_columns(program.columns["z"].slice, np.round(values[program.columns["z"].slice]))
        # the start plan's last LP (lots fixed) left a basis that the simplex method reuses
        session.highs.setOptionValue("solver", "simplex")
        fixed = session.run()
        if not fixed.status.has_plan:
            return raw, drop_closed_lots(program, values), None, None
        values = fixed.col_value
        raw.row_dual = fixed.row_dual
        lp = fixed
    else:
        lp = raw
    duals, dual_values = lp.row_dual, values
    if tie_break and lp.status == SolveStatus.OPTIMAL and lp.col_dual is not None:
        session.hold_optimal_face(lp)
        session.set_objective(TIE_BREAK[objective])
        session.highs.setOptionValue("solver", "choose")
        second = session.run()
        if second.status == SolveStatus.OPTIMAL:
            values = second.col_value
    if session.has_integers:
        values = drop_closed_lots(program, values)
    return raw, values, duals, dual_values


def solve_instance(instance: Instance, options: SolveOptions | None = None,
                   *, diagnose: bool = True, monitor: Monitor | None = None) -> Result:
    """Solve an instance's scenario and return the full :class:`Result` (never raises on status).

    ``monitor`` (optional) hears the phases and the solver's progress; when it asks to stop,
    HiGHS is interrupted and the result has status ``interrupted``, or :class:`Cancelled` is
    raised between phases.
    """
    monitor = monitor or Monitor()
    options = options_for(instance, options)
    objective = instance.scenario.objective.value
    monitor.phase("building")
    started = time.perf_counter()
    program = build_program(instance)
    build_s = time.perf_counter() - started
    monitor.phase("solving")
    session = HighsSession(program, objective, options, monitor=monitor)
    raw, values, duals, dual_values = solve_program(program, objective, options, session=session)
    monitor.phase("extracting", may_stop=False)
    result = make_result(instance, program, objective, raw, values, duals, dual_values, options)
    result.solver["build_s"] = build_s
    if diagnose and result.status == SolveStatus.INFEASIBLE:
        monitor.phase("diagnosing", may_stop=False)
        diagnose_result(instance, program, options, result)
    return result


def diagnose_result(instance: Instance, program: Program, options: SolveOptions,
                    result: Result) -> None:
    """Attach the infeasibility explanation to an infeasible result."""
    if result.status != SolveStatus.INFEASIBLE:
        return
    from budgetopt.optimisation.diagnose import diagnose_infeasibility

    result.diagnosis = diagnose_infeasibility(instance, program, options)
    result.message = str(result.diagnosis["summary"])


def make_result(instance: Instance, program: Program, objective: str, raw: RawSolve,
                values: np.ndarray | None, duals: np.ndarray | None,
                dual_values: np.ndarray | None, options: SolveOptions) -> Result:
    """Turn a solve's numbers into a :class:`Result` with tables, KPIs and explanations."""
    solver = {
        "name": "HiGHS",
        "version": highs_version(),
        "status": raw.highs_status,
        "time_s": raw.time_s,
        "iterations": raw.iterations,
        "nodes": raw.nodes,
        "mip_gap": raw.gap,
        "bound": None if raw.bound is None else objective_in_user_units(objective, raw.bound),
        "options": options.as_dict(),
        "rows": program.num_rows,
        "columns": program.num_cols,
        "nonzeros": int(program.matrix().nnz),
    }
    provenance = provenance_record(instance, options)
    if values is None:
        empty = Result(
            status=raw.status, message=_status_message(raw.status, objective), objective=objective,
            objective_value=None,
            allocation=pd.DataFrame(columns=ALLOCATION_COLUMNS),
            unserved=pd.DataFrame(columns=UNSERVED_COLUMNS),
            constraint_groups=extract.constraint_groups(instance, program, objective, None, None),
            solver=solver, provenance=provenance,
        )
        empty.kpis = _kpis_without_plan(program)
        return empty
    allocation = extract.allocation_table(program, values)
    unserved = extract.unserved_table(program, values)
    lots = extract.contracted_lots(program, values)
    value = objective_in_user_units(objective, float(program.objectives[objective] @ values))
    return Result(
        status=raw.status,
        message=_status_message(raw.status, objective, raw.gap),
        objective=objective,
        objective_value=value,
        allocation=allocation,
        unserved=unserved,
        kpis=extract.kpis(instance, program, values, allocation, unserved, lots),
        summaries=extract.summaries(instance, program, values),
        constraint_groups=extract.constraint_groups(instance, program, objective, dual_values, duals),
        solver=solver,
        provenance=provenance,
    )


def _kpis_without_plan(program: Program) -> dict[str, object]:
    base = program.data["baseline"]
    return {
        "budget_eur": program.data["budget_eur"],
        "baseline_cost_eur": None if base.empty else float(base["cost_eur"].sum()),
        "children_total": float(program.cells["demand"].sum()),
        "total_cost_eur": None,
        "average_quality": None,
    }


@functools.cache
def versions() -> dict[str, str]:
    """Versions of budgetopt, Pyomo, highspy and HiGHS (read once per process)."""
    import importlib.metadata as md

    return {
        "budgetopt": budgetopt.__version__,
        "pyomo": md.version("pyomo"),
        "highspy": md.version("highspy"),
        "highs": highs_version(),
    }


def provenance_record(instance: Instance, options: SolveOptions) -> dict[str, object]:
    """What is needed to reproduce a result: input hash, versions, options."""
    return {
        "input_sha256": instance.sha256,
        "source": instance.source,
        "versions": dict(versions()),
        "options": options.as_dict(),
        "scenario": instance.scenario.model_dump(mode="json"),
    }


def _status_message(status: SolveStatus, objective: str, gap: float | None = None) -> str:
    if status == SolveStatus.OPTIMAL:
        return f"Optimal plan found ({objective})."
    if status == SolveStatus.TIME_LIMIT_FEASIBLE:
        gap_text = "" if gap is None else f", within {gap:.2%} of the best possible"
        return f"Time limit reached; the best plan found so far is returned{gap_text}."
    if status == SolveStatus.TIME_LIMIT_NO_PLAN:
        return "Time limit reached before any plan was found."
    if status == SolveStatus.INFEASIBLE:
        return "No plan meets every rule of this scenario."
    if status == SolveStatus.UNBOUNDED:
        return "The model is unbounded: a rule or bound is missing."
    if status == SolveStatus.INTERRUPTED:
        return "The solve was interrupted before a plan was found."
    return "The solver stopped with an error."
