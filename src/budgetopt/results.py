"""The result of a solve as plain values and tidy tables; no optimisation object survives here."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from budgetopt.optimisation.status import SolveStatus

ALLOCATION_COLUMNS = [
    "municipality_id", "need_id", "indicated_level", "level", "provider_id", "children",
    "cost_eur", "quality",
]
UNSERVED_COLUMNS = ["municipality_id", "need_id", "level", "children"]


@dataclass
class Result:
    """Everything a solve tells: status, objective, plan, KPIs, summaries, explanations."""

    status: SolveStatus
    message: str
    objective: str
    objective_value: float | None
    allocation: pd.DataFrame
    unserved: pd.DataFrame
    kpis: dict[str, object] = field(default_factory=dict)
    summaries: dict[str, pd.DataFrame] = field(default_factory=dict)
    constraint_groups: list[dict[str, object]] = field(default_factory=list)
    diagnosis: dict[str, object] | None = None
    solver: dict[str, object] = field(default_factory=dict)
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """Whether the result carries a plan."""
        return self.status.has_plan

    def to_dict(self) -> dict[str, object]:
        """The content of ``result.json``."""
        kpis = self.kpis
        diagnosis = self.diagnosis or {}
        data: dict[str, object] = {
            "status": self.status.value,
            "message": self.message,
            "objective": {"name": self.objective, "value": self.objective_value},
            "total_cost_eur": kpis.get("total_cost_eur"),
            "budget_eur": kpis.get("budget_eur"),
            "baseline_cost_eur": kpis.get("baseline_cost_eur"),
            "children_total": kpis.get("children_total"),
            "average_quality": kpis.get("average_quality"),
            "minimal_budget_eur": diagnosis.get("minimal_budget_eur"),
            "kpis": kpis,
            "constraint_groups": self.constraint_groups,
            "diagnosis": self.diagnosis,
            "summaries": {k: _records(v) for k, v in self.summaries.items()},
            "solver": self.solver,
            "input_sha256": self.provenance.get("input_sha256"),
            "provenance": self.provenance,
        }
        return _clean(data)

    def files(self) -> dict[str, bytes]:
        """The files :meth:`write` writes, by name: ``result.json``, ``allocation.csv`` and
        ``unserved.csv`` when any child is unserved (UTF-8)."""
        files = {
            "result.json": (json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
            "allocation.csv": self.allocation.to_csv(index=False, float_format="%.10g").encode("utf-8"),
        }
        if len(self.unserved):
            files["unserved.csv"] = self.unserved.to_csv(index=False, float_format="%.10g").encode("utf-8")
        return files

    def write(self, out: Path) -> None:
        """Write ``result.json`` and ``allocation.csv`` (and ``unserved.csv`` when any) to ``out``."""
        out.mkdir(parents=True, exist_ok=True)
        for name, content in self.files().items():
            (out / name).write_bytes(content)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.to_dict(orient="records")


def _clean(value: object) -> object:
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, SolveStatus):
        return value.value
    return value
