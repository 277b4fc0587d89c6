"""Why no plan exists: the smallest budget that works, and which rules conflict, in words."""

from __future__ import annotations

from budgetopt.optimisation.extract import FAMILY_LABELS
from budgetopt.optimisation.highs import HighsSession, SolveOptions
from budgetopt.optimisation.procurement import VALID_INEQUALITIES
from budgetopt.optimisation.program import MONEY_SCALE, Program
from budgetopt.scenario.instance import Instance
from budgetopt.scenario.params import Scenario

#: Families that are never relaxed: care is a legal duty, the rest is bookkeeping.
FIXED = ("coverage", "moved", "need_total", "contract_link")


def describe_rule(family: str, scenario: Scenario) -> str:
    """A family with its setting, e.g. 'minimum average quality per municipality (0.65)'."""
    setting = {
        "step_down": _step_down_setting(scenario),
        "quality_floor": _num(scenario.quality_floor, "{:.2f}"),
        "continuity": _pct(scenario.continuity_max_moved_share, "at most {} moved"),
        "alliance": _pct(scenario.alliance_revenue_floor, "at most {} revenue loss"),
        "out_of_home": _pct(scenario.out_of_home_max_share, "at most {}"),
        "residential": _pct(scenario.residential_max_share_of_out_of_home, "at most {}"),
        "provider_share": _pct(scenario.max_provider_share, "at most {}"),
        "municipality_budget": _pct(scenario.municipality_budget_tolerance, "up to {} over"),
        "lots_per_need": _num(scenario.max_providers_per_need, "at most {}"),
        "min_contract_volume": _num(scenario.min_contract_children, "{} child-years"),
    }.get(family)
    label = FAMILY_LABELS.get(family, family)
    return f"{label} ({setting})" if setting else label


def _num(value: float | None, fmt: str) -> str | None:
    return None if value is None else fmt.format(value)


def _pct(value: float | None, fmt: str) -> str | None:
    return None if value is None else fmt.format(f"{value:.0%}")


def _step_down_setting(scenario: Scenario) -> str | None:
    share = scenario.step_down_share
    if share is None:
        return None
    depth = scenario.step_down_depth
    levels = "one level" if depth == 1 else f"{depth} levels"
    if isinstance(share, dict):
        parts = ", ".join(f"level {k}: {v:.0%}" for k, v in sorted(share.items()))
        return f"{parts}; {levels} lighter"
    return f"at most {share:.0%} of children, {levels} lighter"


def _eur(amount: float) -> str:
    return f"EUR {amount / 1e6:,.2f} M" if abs(amount) >= 1e5 else f"EUR {amount:,.2f}"


def _switch(session: HighsSession, family: str, active: bool) -> None:
    """Switch a family on or off, with the valid inequalities derived from it."""
    session.set_active(family, active)
    for derived, parents in VALID_INEQUALITIES.items():
        if derived in session.program.blocks and family in parents:
            session.set_active(derived, all(session.active.get(p, True) for p in parents))


def diagnose_infeasibility(instance: Instance, program: Program,
                           options: SolveOptions) -> dict[str, object]:
    """Explain an infeasible scenario.

    1. The minimal budget: minimise cost with the budget row switched off.
    2. Conflicting rules: a deletion filter over the switchable families leaves a set that is
       infeasible together but feasible without any one of its members.
    3. For each conflicting rule: whether dropping it alone makes the scenario feasible.
    """
    scenario = instance.scenario
    session = HighsSession(program, "min_cost", options)
    switchable = [f for f in program.blocks if f not in FIXED and f not in VALID_INEQUALITIES]
    budget = program.data["budget_eur"]
    minimal = None
    if "budget" in program.blocks:
        session.set_active("budget", False)
        raw = session.run()
        if raw.status.has_plan:
            minimal = float(program.objectives["min_cost"][: program.num_cols] @ raw.col_value)
            minimal -= _waiting_penalty(program, raw.col_value)
            minimal /= MONEY_SCALE
        session.set_active("budget", True)

    conflict = list(switchable)
    for family in switchable:
        _switch(session, family, False)
        if session.feasible():
            _switch(session, family, True)
        else:
            conflict.remove(family)
    for family in switchable:
        _switch(session, family, True)
    relaxable = {}
    for family in conflict:
        _switch(session, family, False)
        relaxable[family] = session.feasible()
        _switch(session, family, True)

    rules = [
        {"family": f, "label": FAMILY_LABELS.get(f, f), "rule": describe_rule(f, scenario),
         "dropping_alone_is_enough": relaxable[f]}
        for f in conflict
    ]
    summary = _summary(instance, budget, minimal, rules)
    baseline = program.data["baseline"]
    base_cost = None if baseline.empty else float(baseline["cost_eur"].sum())
    return {
        "summary": summary,
        "budget_eur": budget,
        "minimal_budget_eur": minimal,
        "shortfall_eur": None if minimal is None or budget is None else minimal - budget,
        "minimal_budget_cut": None if minimal is None or not base_cost else 1 - minimal / base_cost,
        "conflicting_rules": rules,
    }


def _waiting_penalty(program: Program, values) -> float:
    us = program.columns["u"].slice
    return float(program.objectives["min_cost"][us] @ values[us])


def _summary(instance: Instance, budget: float | None, minimal: float | None,
             rules: list[dict[str, object]]) -> str:
    names = [str(r["rule"]) for r in rules if r["family"] != "budget"]
    together = "; ".join(names) if names else "no other rule"
    if budget is not None and minimal is not None and minimal > budget:
        cut = instance.scenario.budget_cut
        cut_text = f" (a cut of {cut:.0%} on today's cost)" if cut is not None else ""
        return (
            f"The budget of {_eur(budget)}{cut_text} cannot be met together with: {together}. "
            f"The smallest budget at which every rule holds is {_eur(minimal)}, "
            f"{_eur(minimal - budget)} more."
        )
    if minimal is None and budget is not None:
        return (f"No budget is enough: these rules conflict with each other even without a "
                f"budget limit: {together}.")
    return f"These rules cannot all hold together: {together}."
