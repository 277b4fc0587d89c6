"""A model kept alive between solves: an analyst nudging one lever gets a warm re-solve."""

from __future__ import annotations

import time

from budgetopt.optimisation.build import build_program
from budgetopt.optimisation.highs import HighsSession, SolveOptions
from budgetopt.optimisation.monitor import Monitor
from budgetopt.optimisation.solve import diagnose_result, make_result, options_for, solve_program
from budgetopt.optimisation.status import SolveStatus
from budgetopt.results import Result
from budgetopt.scenario.instance import Instance


class LiveModel:
    """One instance's model in HiGHS, re-solved for changed scenario parameters.

    Each solve rebuilds the arrays (cheap) and hands HiGHS only what changed: bounds, costs and
    coefficients when the structure is the same — budget (the budget row is always there, with
    an infinite bound when there is no budget), shares, floors, demand growth, the objective —
    so HiGHS starts from its last basis. A change of structure (a family switched
    on, another step-down depth, procurement) passes the model anew.
    """

    def __init__(self, instance: Instance, options: SolveOptions | None = None) -> None:
        self.instance = instance
        self._options = options
        self.session: HighsSession | None = None
        self.warm_solves = 0
        self.cold_solves = 0

    def solve(self, *, diagnose: bool = True, monitor: Monitor | None = None, **changes: object) -> Result:
        """Solve with some scenario parameters changed (kept for later solves).

        ``monitor`` as in :func:`~budgetopt.optimisation.solve.solve_instance`.
        """
        monitor = monitor or Monitor()
        monitor.phase("building")
        if changes:
            self.instance = self.instance.with_scenario(**changes)
        instance = self.instance
        options = options_for(instance, self._options)
        objective = instance.scenario.objective.value
        started = time.perf_counter()
        program = build_program(instance, budget_row=True)
        if self.session is None:
            self.session = HighsSession(program, objective, options)
            warm = False
        else:
            warm = self.session.update_to(program, objective, options)
        build_s = time.perf_counter() - started
        self.session.watch(monitor)
        monitor.phase("solving")
        self.warm_solves += warm
        self.cold_solves += not warm
        raw, values, duals, dual_values = solve_program(program, objective, options,
                                                        session=self.session)
        monitor.phase("extracting", may_stop=False)
        result = make_result(instance, program, objective, raw, values, duals, dual_values, options)
        result.solver.update(build_s=build_s, warm_start=warm)
        if diagnose and result.status == SolveStatus.INFEASIBLE:
            monitor.phase("diagnosing", may_stop=False)
            diagnose_result(instance, program, options, result)
        return result
