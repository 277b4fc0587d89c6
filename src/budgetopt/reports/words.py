"""The result in sentences a board member reads: summary, binding rules and what they cost,
the explanation of an infeasible scenario. Every sentence comes from the ``reports`` catalog."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from typing import Any

from budgetopt.reports.formatting import millions, money, number, percent
from budgetopt.reports.i18n import N_

#: Constraint families in the words a regional board uses.
FAMILIES: dict[str, str] = {
    "coverage": N_("every child receives care (Youth Act)"),
    "step_down": N_("limit on serving children lighter than indicated"),
    "provider_capacity": N_("provider capacity"),
    "offer_capacity": N_("capacity per provider, need and level"),
    "budget": N_("regional budget"),
    "quality_floor": N_("minimum average quality per municipality"),
    "moved": N_("children moved away from their provider (bookkeeping)"),
    "continuity": N_("continuity of care (children moved to another provider)"),
    "alliance": N_("revenue floor of the alliance providers"),
    "out_of_home": N_("cap on out-of-home care"),
    "residential": N_("family-based before residential care"),
    "need_total": N_("volume per need (bookkeeping)"),
    "provider_share": N_("maximum market share per provider"),
    "municipality_budget": N_("each municipality within its budget share"),
    "contract_link": N_("care only from contracted providers"),
    "lots_per_need": N_("maximum number of contracted providers per need"),
    "min_contract_volume": N_("minimum volume per contract"),
    "cell_cover": N_("every demand cell keeps a contracted provider (implied)"),
    "lot_capacity": N_("a contract within its provider's capacity (implied)"),
    "moved_link": N_("a closed contract moves its children (implied)"),
    "intake_moves": N_("a small contract that stays open takes in moved children (implied)"),
}

#: The step a shadow price measures, per scenario parameter.
CHANGES: dict[str, str] = {
    "demand_growth": N_("1 % more demand"),
    "step_down_share": N_("1 percentage point more step-down"),
    "capacity_children": N_("one more place"),
    "budget_eur": N_("EUR 1 M more budget"),
    "quality_floor": N_("a quality floor 0.01 higher"),
    "continuity_max_moved_share": N_("1 percentage point more children moved"),
    "alliance_revenue_floor": N_("alliance revenue floor 1 percentage point lower"),
    "out_of_home_max_share": N_("1 percentage point more out-of-home care"),
    "residential_max_share_of_out_of_home": N_("1 percentage point more residential care"),
    "max_provider_share": N_("1 percentage point larger provider share"),
    "municipality_budget_tolerance": N_("1 percentage point more room per municipality"),
}

OBJECTIVES: dict[str, str] = {
    "min_cost": N_("lowest cost"),
    "max_quality": N_("highest quality"),
    "min_disruption": N_("fewest children moved or stepped down"),
}

STATUSES: dict[str, str] = {
    "optimal": N_("optimal"),
    "infeasible": N_("infeasible: no plan meets every rule"),
    "time_limit_feasible": N_("time limit reached; best plan found so far"),
    "time_limit_no_plan": N_("time limit reached without a plan"),
    "unbounded": N_("unbounded"),
    "interrupted": N_("interrupted"),
    "error": N_("error"),
}


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def family_label(family: str, t: gettext.NullTranslations) -> str:
    """A constraint family in the reader's language."""
    return t.gettext(FAMILIES[family]) if family in FAMILIES else family


def objective_label(name: str | None, t: gettext.NullTranslations) -> str:
    """An objective in the reader's language."""
    return t.gettext(OBJECTIVES[name]) if name in OBJECTIVES else str(name or "")


def status_label(status: str | None, t: gettext.NullTranslations) -> str:
    """A solve status in the reader's language."""
    return t.gettext(STATUSES[status]) if status in STATUSES else str(status or "")


def effect(objective: str, delta: float, lang: str, t: gettext.NullTranslations) -> str:
    """A change of the objective in words (``delta`` in the objective's own sense)."""
    size = abs(delta)
    if objective == "min_cost":
        amount = money(size, lang, 0 if size >= 100 else 2)
        if delta < 0:
            return t.gettext("the plan costs {amount} less per year").format(amount=amount)
        return t.gettext("the plan costs {amount} more per year").format(amount=amount)
    if objective == "max_quality":
        points = number(size, lang, 2)
        if delta > 0:
            return t.gettext("{points} more quality points (children × quality score)").format(points=points)
        return t.gettext("{points} fewer quality points (children × quality score)").format(points=points)
    children = number(size, lang, 1)
    if delta < 0:
        return t.gettext("{children} fewer children moved or stepped down").format(children=children)
    return t.gettext("{children} more children moved or stepped down").format(children=children)


def shadow_sentences(group: Mapping[str, Any], objective: str, lang: str,
                     t: gettext.NullTranslations) -> list[str]:
    """What one step of a binding rule's setting changes, as sentences (per place for capacity)."""
    shadow = group.get("shadow_price") or {}
    parameter = str(shadow.get("parameter", ""))
    change = t.gettext(CHANGES[parameter]) if parameter in CHANGES else str(shadow.get("change", ""))
    rows = shadow.get("rows")
    if rows:
        return [_first_upper(t.gettext("{change} at {where}: {effect}.").format(
            change=change, where=row["key"],
            effect=effect(objective, float(row["objective_change"]), lang, t))) for row in rows]
    delta = shadow.get("objective_change")
    if delta is None:
        return []
    return [_first_upper(t.gettext("{change}: {effect}.").format(
        change=change, effect=effect(objective, float(delta), lang, t)))]


def rule_text(family: str, parameters: Mapping[str, Any], lang: str, t: gettext.NullTranslations) -> str:
    """A rule with its setting, e.g. ``cap on out-of-home care (at most 13%)``."""
    label = family_label(family, t)
    setting = _setting(family, parameters, lang, t)
    return f"{label} ({setting})" if setting else label


def _setting(family: str, p: Mapping[str, Any], lang: str, t: gettext.NullTranslations) -> str | None:
    def share(key: str) -> str | None:
        value = p.get(key)
        return None if value is None else percent(float(value), lang)

    if family == "step_down":
        value = p.get("step_down_share")
        if value is None or isinstance(value, Mapping):
            return None
        depth = p.get("max_step_down_levels") or 1
        return t.ngettext("at most {share} of children, {levels} level lighter",
                          "at most {share} of children, {levels} levels lighter", int(depth)).format(
            share=percent(float(value), lang), levels=int(depth))
    if family == "quality_floor" and p.get("quality_floor") is not None:
        return number(float(p["quality_floor"]), lang, 2)
    at_most = {"out_of_home": "out_of_home_max_share", "residential": "residential_max_share_of_out_of_home",
               "provider_share": "max_provider_share"}
    if family in at_most and share(at_most[family]):
        return t.gettext("at most {share}").format(share=share(at_most[family]))
    if family == "continuity" and share("continuity_max_moved_share"):
        return t.gettext("at most {share} moved").format(share=share("continuity_max_moved_share"))
    if family == "alliance" and share("alliance_revenue_floor"):
        return t.gettext("at most {share} revenue loss").format(share=share("alliance_revenue_floor"))
    if family == "municipality_budget" and share("municipality_budget_tolerance"):
        return t.gettext("up to {share} over").format(share=share("municipality_budget_tolerance"))
    return None


def _budget_sentence(summary: Mapping[str, Any], parameters: Mapping[str, Any], lang: str,
                     t: gettext.NullTranslations) -> str | None:
    budget, baseline = summary.get("budget_eur"), summary.get("baseline_cost_eur")
    if budget is None:
        return t.gettext("The scenario sets no budget limit.")
    if not baseline:
        return t.gettext("The regional budget is {budget}.").format(budget=money(budget, lang, 0))
    cut = parameters.get("budget_cut")
    cut = float(cut) if cut is not None else 1 - float(budget) / float(baseline)
    if cut >= 0:
        text = t.gettext("The regional budget is {budget}: a cut of {cut} on today's cost of {baseline}.")
        digits = 1 if round(cut, 2) != cut else 0
        return text.format(budget=money(budget, lang, 0), cut=percent(cut, lang, digits),
                           baseline=money(baseline, lang, 0))
    return t.gettext("The regional budget is {budget}: {more} more than today's cost of {baseline}.").format(
        budget=money(budget, lang, 0), more=percent(-cut, lang, 1), baseline=money(baseline, lang, 0))


def summary_sentences(summary: Mapping[str, Any], parameters: Mapping[str, Any], lang: str,
                      t: gettext.NullTranslations) -> list[str]:
    """The one-page summary in plain sentences, with the figures."""
    kpis: Mapping[str, Any] = summary.get("kpis") or {}
    sentences = [s for s in [_budget_sentence(summary, parameters, lang, t)] if s]
    cost = summary.get("total_cost_eur")
    if cost is None:
        sentences.append(t.gettext("The solve found no plan."))
        return sentences
    budget = summary.get("budget_eur")
    if budget is None or kpis.get("within_budget"):
        sentences.append(t.gettext("The plan costs {cost} and stays within the budget.").format(
            cost=money(cost, lang, 0)) if budget is not None else
            t.gettext("The plan costs {cost}.").format(cost=money(cost, lang, 0)))
    else:
        sentences.append(t.gettext("The plan costs {cost}, {over} over the budget.").format(
            cost=money(cost, lang, 0), over=money(float(cost) - float(budget), lang, 0)))
    gap, closed = kpis.get("gap_eur"), kpis.get("gap_closed_share")
    if gap is not None and closed is not None:
        saving = kpis.get("saving_eur")
        if closed > 1.0005 and saving is not None:
            text = t.gettext("It saves {saving}: {extra} more than the gap of {gap} between today's cost and "
                             "the budget.")
            sentences.append(text.format(saving=money(saving, lang, 0), extra=money(saving - gap, lang, 0),
                                         gap=money(gap, lang, 0)))
        else:
            sentences.append(t.gettext(
                "It closes {closed} of the gap of {gap} between today's cost and the budget.").format(
                closed=percent(closed, lang), gap=money(gap, lang, 0)))
        split = (kpis.get("step_down_saving_eur"), kpis.get("provider_shift_saving_eur"))
        if None not in split:
            text = t.gettext(
                "Of the saving, {step_down} comes from lighter care and {shift} from other providers.")
            sentences.append(text.format(step_down=millions(split[0], lang), shift=millions(split[1], lang)))
    quality, before = summary.get("average_quality"), kpis.get("baseline_average_quality")
    if quality is not None:
        if before is not None:
            sentences.append(t.gettext("The average quality of care is {quality} (today {before}).").format(
                quality=number(quality, lang, 3), before=number(before, lang, 3)))
        else:
            sentences.append(t.gettext("The average quality of care is {quality}.").format(
                quality=number(quality, lang, 3)))
    stepped, moved = kpis.get("children_stepped_down"), kpis.get("children_moved")
    if stepped is not None:
        sentences.append(t.gettext(
            "{stepped} children receive lighter care than indicated (stepped down).").format(
            stepped=number(stepped, lang)))
    if moved is not None:
        sentences.append(t.gettext("{moved} children move to another provider.").format(
            moved=number(moved, lang)))
    unserved, total = kpis.get("children_unserved"), summary.get("children_total")
    if unserved:
        sentences.append(t.gettext("{unserved} of {total} children wait for care (waiting list).").format(
            unserved=number(unserved, lang), total=number(total, lang)))
    elif total is not None:
        sentences.append(t.gettext("All {total} children receive care.").format(total=number(total, lang)))
    ooh, ooh_before = kpis.get("out_of_home_share"), kpis.get("baseline_out_of_home_share")
    if ooh is not None and ooh_before is not None:
        text = t.gettext("{share} of the children are in out-of-home care (today {before}).")
        sentences.append(text.format(share=percent(ooh, lang, 1), before=percent(ooh_before, lang, 1)))
    return sentences


def diagnosis_sentences(diagnosis: Mapping[str, Any], parameters: Mapping[str, Any], lang: str,
                        t: gettext.NullTranslations) -> list[str]:
    """Why no plan meets every rule, and the smallest budget that would."""
    rules = list(diagnosis.get("conflicting_rules") or [])
    others = [rule_text(str(r["family"]), parameters, lang, t) for r in rules if r.get("family") != "budget"]
    together = "; ".join(others) if others else t.gettext("no other rule")
    budget, minimal = diagnosis.get("budget_eur"), diagnosis.get("minimal_budget_eur")
    sentences = []
    if budget is not None and minimal is not None and minimal > budget:
        sentences.append(t.gettext("The budget of {budget} cannot be met together with: {rules}.").format(
            budget=money(budget, lang, 0), rules=together))
        sentences.append(t.gettext(
            "The smallest budget at which every rule holds is {minimal}, {shortfall} more.").format(
            minimal=money(minimal, lang, 0), shortfall=money(float(minimal) - float(budget), lang, 0)))
        cut = diagnosis.get("minimal_budget_cut")
        if cut is not None:
            sentences.append(t.gettext("That is a cut of {cut} on today's cost.").format(
                cut=percent(cut, lang, 1)))
    elif minimal is None and budget is not None:
        sentences.append(t.gettext(
            "No budget is enough: these rules conflict with each other even without a budget limit: "
            "{rules}.").format(rules=together))
    else:
        sentences.append(t.gettext("These rules cannot all hold together: {rules}.").format(rules=together))
    for rule in rules:
        if rule.get("family") == "budget" or rule.get("dropping_alone_is_enough") is None:
            continue
        text = rule_text(str(rule["family"]), parameters, lang, t)
        if rule["dropping_alone_is_enough"]:
            sentences.append(t.gettext("Dropping “{rule}” alone makes a plan possible.").format(rule=text))
        else:
            sentences.append(t.gettext("Dropping “{rule}” alone is not enough.").format(rule=text))
    return sentences
