"""From HiGHS's numbers to tidy tables, KPIs and shadow prices in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from budgetopt.optimisation.program import MONEY_SCALE, Program
from budgetopt.results import ALLOCATION_COLUMNS, UNSERVED_COLUMNS
from budgetopt.scenario.instance import Instance

M, N, P = "municipality_id", "need_id", "provider_id"
EPS = 1e-9
DUAL_EPS = 1e-9

#: Constraint families in the words a regional board uses.
FAMILY_LABELS: dict[str, str] = {
    "coverage": "every child receives care (Youth Act)",
    "step_down": "limit on serving children lighter than indicated",
    "provider_capacity": "provider capacity",
    "offer_capacity": "capacity per provider, need and level",
    "budget": "regional budget",
    "quality_floor": "minimum average quality per municipality",
    "moved": "children moved away from their provider (bookkeeping)",
    "continuity": "continuity of care (children moved to another provider)",
    "alliance": "revenue floor of the alliance providers",
    "out_of_home": "cap on out-of-home care",
    "residential": "family-based before residential care",
    "need_total": "volume per need (bookkeeping)",
    "provider_share": "maximum market share per provider",
    "municipality_budget": "each municipality within its budget share",
    "contract_link": "care only from contracted providers",
    "lots_per_need": "maximum number of contracted providers per need",
    "min_contract_volume": "minimum volume per contract",
    "cell_cover": "every demand cell keeps a contracted provider (implied)",
    "lot_capacity": "a contract within its provider's capacity (implied)",
    "moved_link": "a closed contract moves its children (implied)",
    "intake_moves": "a small contract that stays open takes in moved children (implied)",
}
#: Families that are not policy rules: bookkeeping rows and the procurement MIP's implied rows.
BOOKKEEPING = {"moved", "need_total", "contract_link", "cell_cover", "lot_capacity", "moved_link",
               "intake_moves"}


# --------------------------------------------------------------------------- objective in user units




# --------------------------------------------------------------------------- tables


def allocation_table(program: Program, values: np.ndarray) -> pd.DataFrame:
    """The tidy allocation: one row per arc with children > 1e-9."""
    arcs = program.arcs
    children = program.x(values)
    keep = children > EPS
    table = arcs.loc[keep, [M, N, "indicated_level", "level", P, "price", "quality"]].copy()
    table["children"] = children[keep]
    table["cost_eur"] = table["children"] * table["price"]
    return table[ALLOCATION_COLUMNS].reset_index(drop=True)


def unserved_table(program: Program, values: np.ndarray) -> pd.DataFrame:
    """Unserved children per demand cell (only when a waiting list is allowed)."""
    cells = program.cells
    unserved = values[program.columns["u"].slice]
    keep = unserved > EPS
    table = cells.loc[keep, [M, N, "indicated_level"]].rename(columns={"indicated_level": "level"})
    table["children"] = unserved[keep]
    return table[UNSERVED_COLUMNS].reset_index(drop=True)


def contracted_lots(program: Program, values: np.ndarray) -> pd.DataFrame:
    """Provider-need lots with volume > 1e-9 (the procurement decision)."""
    arcs = program.arcs
    need = arcs["n"].to_numpy(np.int64)
    key = arcs["p"].to_numpy(np.int64) * (int(need.max(initial=0)) + 1) + need
    _, head, lot = np.unique(key, return_index=True, return_inverse=True)
    volume = np.bincount(lot, weights=program.x(values), minlength=len(head))
    lots = pd.DataFrame({P: arcs[P].to_numpy()[head], N: arcs[N].to_numpy()[head], "children": volume})
    lots = lots[lots["children"] > EPS].sort_values([P, N], kind="stable")
    return lots.reset_index(drop=True)


# --------------------------------------------------------------------------- KPIs and summaries


def moved_children(program: Program, values: np.ndarray) -> float:
    """Children no longer with their baseline provider: sum over (m, n, k, p) of max(0, x0 - x)."""
    pairs = program.data["pairs"]
    if pairs.empty:
        return 0.0
    pair_of_arc = program.data["pair_of_arc"]
    linked = pair_of_arc >= 0
    served = np.bincount(pair_of_arc[linked], weights=program.x(values)[linked],
                         minlength=len(pairs))
    return float(np.maximum(0.0, pairs["children"].to_numpy(float) - served).sum())


def kpis(instance: Instance, program: Program, values: np.ndarray, allocation: pd.DataFrame,
         unserved: pd.DataFrame, lots: pd.DataFrame) -> dict[str, object]:
    """The board's figures: cost against budget and baseline, gap closed, quality, children."""
    base = program.data["baseline"]
    budget = program.data["budget_eur"]
    care_cost = float(allocation["cost_eur"].sum())
    contract_cost = program.data["contract_cost"] * len(lots)
    total = care_cost + contract_cost
    served = float(allocation["children"].sum())
    demand = float(program.cells["demand"].sum())
    quality = float((allocation["children"] * allocation["quality"]).sum())
    stepped = allocation[allocation["level"] < allocation["indicated_level"]]
    figures: dict[str, object] = {
        "total_cost_eur": total,
        "care_cost_eur": care_cost,
        "contract_cost_eur": contract_cost,
        "budget_eur": budget,
        "within_budget": None if budget is None else bool(total <= budget * (1 + 1e-6) + 1e-6),
        "children_total": demand,
        "children_served": served,
        "children_unserved": float(unserved["children"].sum()),
        "average_quality": quality / served if served > 0 else None,
        "children_stepped_down": float(stepped["children"].sum()),
        "out_of_home_share": _ooh_share(instance, allocation, "level"),
        "contracted_lots": len(lots),
    }
    if base.empty:
        figures.update(baseline_cost_eur=None)
        return figures
    baseline_cost = float(base["cost_eur"].sum())
    gap = None if budget is None else baseline_cost - budget
    saving = baseline_cost - total
    figures.update(
        baseline_cost_eur=baseline_cost,
        baseline_children=float(base["children"].sum()),
        baseline_average_quality=_baseline_quality(instance, base),
        gap_eur=gap,
        saving_eur=saving,
        gap_closed_share=(saving / gap) if gap and gap > 0 else None,
        children_moved=moved_children(program, values),
        baseline_out_of_home_share=_ooh_share(instance, base, "level"),
        **_saving_split(program, values),
    )
    return figures


def _ooh_share(instance: Instance, table: pd.DataFrame, level_col: str) -> float | None:
    total = float(table["children"].sum())
    if total <= 0:
        return None
    flags = instance["levels"].set_index("level")["out_of_home"].astype(bool)
    ooh = table[level_col].map(flags).fillna(False).astype(bool).to_numpy()
    return float(table.loc[ooh, "children"].sum()) / total


def _baseline_quality(instance: Instance, base: pd.DataFrame) -> float | None:
    offers = instance["offers"][[P, N, "level", "quality"]]
    joined = base.merge(offers, on=[P, N, "level"], how="left")
    total = float(joined["children"].sum())
    return float((joined["children"] * joined["quality"]).sum()) / total if total else None


def _saving_split(program: Program, values: np.ndarray) -> dict[str, float]:
    """Split the saving against the baseline into step-downs, provider shifts and demand change.

    Per demand cell, P0 = baseline cost / baseline children. A child served lighter saves
    P0 - price; a child served at the indicated level by a cheaper provider saves P0 - price;
    a change in the number of children costs (children now - children before) x P0.
    """
    arcs = program.arcs
    x = program.x(values)
    children0, cost0 = program.data["cell_children0"], program.data["cell_cost0"]
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = np.where(children0 > 0, cost0 / children0, np.nan)
    cell = arcs["cell"].to_numpy()
    price = arcs["price"].to_numpy(float)
    p0_arc = np.where(np.isnan(p0[cell]), price, p0[cell])
    saving = x * (p0_arc - price)
    stepped = arcs["stepped"].to_numpy(bool)
    served = np.bincount(cell, weights=x, minlength=len(program.cells))
    change = np.where(children0 > 0, (served - children0) * np.nan_to_num(p0), 0.0)
    return {
        "step_down_saving_eur": float(saving[stepped].sum()),
        "provider_shift_saving_eur": float(saving[~stepped].sum()),
        "demand_change_cost_eur": float(change.sum()),
    }


def summaries(instance: Instance, program: Program, values: np.ndarray) -> dict[str, pd.DataFrame]:
    """Tables per municipality, provider, need and level, each against the baseline."""
    arcs = program.arcs
    index = program.data["index"]
    base = program.data["baseline"]
    x = program.x(values)
    cost = x * arcs["price"].to_numpy(float)
    points = x * arcs["quality"].to_numpy(float)
    stepped = np.where(arcs["stepped"].to_numpy(bool), x, 0.0)
    level_pos = index.level(arcs["level"])
    groups = {
        "municipality": (arcs["m"].to_numpy(), instance["municipalities"][[M, "name"]],
                         None if base.empty else base["m"].to_numpy(np.int64)),
        "provider": (arcs["p"].to_numpy(), instance["providers"][[P, "name", "alliance"]],
                     None if base.empty else base["p"].to_numpy(np.int64)),
        "need": (arcs["n"].to_numpy(), instance["needs"][[N, "name"]],
                 None if base.empty else base["n"].to_numpy(np.int64)),
        "level": (level_pos, instance["levels"].sort_values("level")[["level", "code", "name"]],
                  None if base.empty else index.level(base["level"])),
    }
    out = {}
    for key, (code, names, base_code) in groups.items():
        size = len(names)
        frame = names.reset_index(drop=True).copy()
        frame["children"] = np.bincount(code, weights=x, minlength=size)
        frame["cost_eur"] = np.bincount(code, weights=cost, minlength=size)
        frame["stepped_down"] = np.bincount(code, weights=stepped, minlength=size)
        if base_code is not None:
            frame["baseline_children"] = np.bincount(
                base_code, weights=base["children"].to_numpy(float), minlength=size)
            frame["baseline_cost_eur"] = np.bincount(
                base_code, weights=base["cost_eur"].to_numpy(float), minlength=size)
        quality = np.bincount(code, weights=points, minlength=size)
        served = frame["children"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["average_quality"] = np.where(served > EPS, quality / served, np.nan)
        if key == "provider":
            frame = frame.rename(columns={"cost_eur": "revenue_eur",
                                          "baseline_cost_eur": "baseline_revenue_eur"})
        out[key] = frame
    out["municipality"] = _solidarity(instance, program, out["municipality"])
    return out


def _solidarity(instance: Instance, program: Program, frame: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's share of the regional budget and its contribution to the pool.

    The share follows ``municipalities.budget_eur``; ``solidarity_eur`` > 0 means the
    municipality's plan costs more than its share and the pool pays the difference.
    """
    budget = program.data["budget_eur"]
    own = instance["municipalities"].set_index(M)["budget_eur"].astype(float)
    if budget is None or own.isna().any() or own.sum() <= 0:
        return frame
    frame = frame.copy()
    frame["budget_share_eur"] = frame[M].map(own / own.sum()).to_numpy(float) * budget
    frame["solidarity_eur"] = frame["cost_eur"] - frame["budget_share_eur"]
    return frame


# --------------------------------------------------------------------------- shadow prices


def constraint_groups(instance: Instance, program: Program, objective: str,
                      values: np.ndarray | None, duals: np.ndarray | None) -> list[dict[str, object]]:
    """Every family with its size, whether it binds, and what it costs in plain words."""
    groups = []
    for family, block in program.blocks.items():
        entry: dict[str, object] = {
            "family": family,
            "label": FAMILY_LABELS.get(family, family),
            "rows": block.size,
            "bookkeeping": family in BOOKKEEPING,
        }
        if duals is not None and values is not None:
            y = duals[block.start:block.start + block.size]
            binding = np.abs(y) > DUAL_EPS
            entry["binding"] = bool(binding.any()) and family not in BOOKKEEPING
            entry["binding_rows"] = int(binding.sum())
            if entry["binding"] and block.sensitivity is not None:
                entry["shadow_price"] = _shadow(program, block, objective, values, duals, y)
        groups.append(entry)
    return groups


def _contribution(block, sens, values: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row: d(stored objective)/d(theta), by the envelope theorem."""
    activity = np.bincount(block.rows, weights=block.vals * values[block.cols], minlength=block.size)
    at_upper = np.abs(activity - block.upper) <= np.abs(activity - block.lower)
    d_bound = np.zeros(block.size)
    if sens.d_upper is not None:
        d_bound = np.where(at_upper, sens.d_upper, d_bound)
    if sens.d_lower is not None:
        d_bound = np.where(at_upper, d_bound, sens.d_lower)
    per_row = y * d_bound
    if sens.d_coef is not None:
        moved = np.bincount(block.rows, weights=sens.d_coef * values[block.cols],
                            minlength=block.size)
        per_row = per_row - y * moved
    return per_row


def _shadow(program: Program, block, objective: str, values: np.ndarray, duals: np.ndarray,
            y: np.ndarray) -> dict[str, object]:
    """What a step of the family's parameter changes in the objective, with a sentence.

    Rows of other families that move with the same parameter are included (more demand also
    widens the step-down allowance).
    """
    sens = block.sensitivity
    per_row = _to_user(objective, _contribution(block, sens, values, y) * sens.step)
    total = float(per_row.sum())
    for other in program.blocks.values():
        for linked in other.also:
            if linked.parameter == sens.parameter and other is not block:
                y_other = duals[other.start:other.start + other.size]
                part = _contribution(other, linked, values, y_other) * sens.step
                total += float(_to_user(objective, part).sum())
    result: dict[str, object] = {
        "parameter": sens.parameter,
        "step": sens.step,
        "change": sens.step_label,
        "objective_change": total,
        "unit": _unit(objective),
        "text": f"{_upper_first(sens.step_label)}: {_effect(objective, total)}.",
    }
    if sens.per_row:
        order = np.argsort(-np.abs(per_row))[:5]
        rows = []
        for i in order:
            if abs(per_row[i]) <= DUAL_EPS:
                continue
            who = " / ".join(str(v) for v in block.keys.iloc[i].to_numpy())
            rows.append({"key": who, "objective_change": float(per_row[i]),
                         "text": f"{_upper_first(sens.step_label)} at {who}: "
                                 f"{_effect(objective, float(per_row[i]))}."})
        result["rows"] = rows
        result["text"] = rows[0]["text"] if rows else result["text"]
    return result


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _to_user(objective: str, scaled: np.ndarray) -> np.ndarray:
    if objective == "min_cost":
        return scaled / MONEY_SCALE
    if objective == "max_quality":
        return -scaled
    return scaled


def _unit(objective: str) -> str:
    return {"min_cost": "EUR/yr", "max_quality": "quality points",
            "min_disruption": "children moved or stepped down"}[objective]


def _effect(objective: str, delta: float) -> str:
    """A change of the objective in words (delta in the objective's natural sense)."""
    size = abs(delta)
    if objective == "min_cost":
        amount = f"EUR {size:,.0f} per year" if size >= 100 else f"EUR {size:,.2f} per year"
        return f"the plan costs {amount} less" if delta < 0 else f"the plan costs {amount} more"
    if objective == "max_quality":
        word = "more" if delta > 0 else "fewer"
        return f"{size:,.2f} {word} quality points (children x quality score)"
    word = "fewer" if delta < 0 else "more"
    return f"{size:,.1f} {word} children moved or stepped down"
