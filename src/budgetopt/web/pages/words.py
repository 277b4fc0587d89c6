"""A result in the page's language: constraint families, what a binding rule costs, the
infeasibility explanation, statuses."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from budgetopt.web.pages.formatting import money, number, percent

FAMILIES: dict[str, Any] = {
    "coverage": _l("every child receives care (Youth Act)"),
    "step_down": _l("limit on serving children lighter than indicated"),
    "provider_capacity": _l("provider capacity"),
    "offer_capacity": _l("capacity per provider, need and level"),
    "budget": _l("regional budget"),
    "quality_floor": _l("minimum average quality per municipality"),
    "moved": _l("children moved away from their provider (bookkeeping)"),
    "continuity": _l("continuity of care (children moved to another provider)"),
    "alliance": _l("revenue floor of the alliance providers"),
    "out_of_home": _l("cap on out-of-home care"),
    "residential": _l("family-based before residential care"),
    "need_total": _l("volume per need (bookkeeping)"),
    "provider_share": _l("maximum market share per provider"),
    "municipality_budget": _l("each municipality within its budget share"),
    "contract_link": _l("care only from contracted providers"),
    "lots_per_need": _l("maximum number of contracted providers per need"),
    "min_contract_volume": _l("minimum volume per contract"),
    "cell_cover": _l("every demand cell keeps a contracted provider (implied)"),
    "lot_capacity": _l("a contract within its provider's capacity (implied)"),
    "moved_link": _l("a closed contract moves its children (implied)"),
    "intake_moves": _l("a small contract that stays open takes in moved children (implied)"),
}
STEPS: dict[str, Any] = {
    "demand_growth": _l("1 % more demand"),
    "max_provider_share": _l("1 percentage point larger provider share"),
    "continuity_max_moved_share": _l("1 percentage point more children moved"),
    "municipality_budget_tolerance": _l("1 percentage point more room per municipality"),
    "step_down_share": _l("1 percentage point more step-down"),
    "budget_eur": _l("€ 1 million more budget"),
    "quality_floor": _l("a quality floor 0.01 higher"),
    "alliance_revenue_floor": _l("alliance revenue floor 1 percentage point lower"),
    "capacity_children": _l("one more place"),
}
STATUSES: dict[str, Any] = {
    "queued": _l("queued"), "running": _l("running"), "succeeded": _l("finished"), "failed": _l("failed"),
    "cancelled": _l("cancelled"), "timed_out": _l("stopped at its time limit"),
    "draft": _l("draft"), "submitted": _l("submitted"), "baseline": _l("baseline"),
    "optimal": _l("optimal plan"), "infeasible": _l("no plan meets every rule"),
    "time_limit_feasible": _l("plan found within the time limit (may not be the best)"),
    "time_limit_no_plan": _l("no plan within the time limit"), "unbounded": _l("unbounded"),
    "interrupted": _l("interrupted (best plan so far)"), "error": _l("solver error"),
}
PHASES: dict[str, Any] = {
    "starting": _l("starting"), "loading": _l("reading the data"), "building": _l("building the model"),
    "solving": _l("solving"), "extracting": _l("reading the plan"), "diagnosing": _l("looking for the cause"),
    "saving": _l("saving the result"), "done": _l("done"),
}
KINDS: dict[str, Any] = {"solve": _l("solve"), "frontier": _l("budget frontier")}


def word(table: dict[str, Any], key: Any) -> str:
    """The translated word for ``key`` (the key itself when unknown)."""
    if key is None:
        return ""
    found = table.get(str(key))
    return str(found) if found is not None else str(key)


def effect(objective: str, change: float) -> str:
    """A change of the objective in words."""
    size = abs(change)
    if objective == "min_cost":
        amount = money(size, digits=0 if size >= 100 else 2)
        if change < 0:
            return _("the plan costs %(amount)s per year less", amount=amount)
        return _("the plan costs %(amount)s per year more", amount=amount)
    if objective == "max_quality":
        amount = number(size, digits=2)
        if change > 0:
            return _("%(amount)s more quality points (children × quality score)", amount=amount)
        return _("%(amount)s fewer quality points (children × quality score)", amount=amount)
    amount = number(size, digits=1)
    if change < 0:
        return _("%(amount)s fewer children moved or served lighter", amount=amount)
    return _("%(amount)s more children moved or served lighter", amount=amount)


def binding(summary: dict[str, Any]) -> list[dict[str, str]]:
    """The binding policy rules, each with what one step of its parameter would change."""
    objective = str((summary.get("objective") or {}).get("name") or "min_disruption")
    rules = []
    for group in summary.get("constraint_groups") or []:
        if not group.get("binding") or group.get("bookkeeping"):
            continue
        shadow = group.get("shadow_price") or {}
        text = ""
        if shadow.get("objective_change") is not None:
            step = word(STEPS, shadow.get("parameter")) if shadow.get("parameter") in STEPS else str(
                shadow.get("change") or "")
            sentence = effect(objective, float(shadow["objective_change"]))
            text = f"{step[:1].upper()}{step[1:]}: {sentence}."
        rules.append({"family": str(group.get("family")), "label": word(FAMILIES, group.get("family")),
                      "rows": str(group.get("binding_rows") or ""), "text": text})
    return rules


def diagnosis(summary: dict[str, Any]) -> dict[str, Any] | None:
    """Why no plan meets every rule, and the smallest budget at which one does."""
    found = summary.get("diagnosis")
    if not found:
        return None
    rules = [{"label": word(FAMILIES, r.get("family")), "alone": bool(r.get("dropping_alone_is_enough"))}
             for r in found.get("conflicting_rules") or []]
    minimal = found.get("minimal_budget_eur")
    text = ""
    if found.get("budget_eur") is not None and minimal is not None:
        text = _("The budget of %(budget)s cannot be met together with the rules below. The smallest "
                 "budget at which every rule holds is %(minimal)s (%(short)s more, a cut of %(cut)s).",
                 budget=money(found.get("budget_eur")), minimal=money(minimal),
                 short=money(found.get("shortfall_eur")), cut=percent(found.get("minimal_budget_cut")))
    else:
        text = _("These rules cannot all hold at once.")
    return {"text": text, "rules": rules, "original": found.get("summary") or ""}
