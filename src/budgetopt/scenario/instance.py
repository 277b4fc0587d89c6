"""The in-memory instance: one typed pandas table per data-dictionary table, plus the scenario."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from budgetopt.scenario.params import BUDGET_FORMS, Scenario


@dataclass(frozen=True)
class Instance:
    """A validated instance.

    ``tables`` maps a table name of the data dictionary to a frame with that table's columns in
    canonical dtypes (ids ``str``, levels ``int``, amounts ``float``, flags ``bool``). Optional
    tables that were not given are absent from the mapping.
    """

    tables: dict[str, pd.DataFrame]
    scenario: Scenario = field(default_factory=Scenario)
    source: str = ""

    def has(self, name: str) -> bool:
        """Whether the optional table ``name`` was given (and has rows)."""
        return name in self.tables and len(self.tables[name]) > 0

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def with_scenario(self, **changes: object) -> Instance:
        """A copy with some scenario parameters changed (validated again by pydantic); a budget given
        one way (``budget_cut`` or ``budget_eur``) replaces the budget given the other way."""
        data = self.scenario.model_dump()
        for name, other in BUDGET_FORMS.items():
            if changes.get(name) is not None and other not in changes:
                data[other] = None
        data.update(changes)
        return replace(self, scenario=Scenario.model_validate(data))

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the content: each table's rows hashed and sorted (row order does not count),
        its column names, and the scenario as JSON."""
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            frame = self.tables[name]
            rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            digest.update(name.encode())
            digest.update(",".join(map(str, frame.columns)).encode())
            digest.update(np.sort(rows).tobytes())
        digest.update(json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True).encode())
        return digest.hexdigest()
