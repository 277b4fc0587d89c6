"""The model as sparse arrays: column blocks, named row blocks, objectives.

Every constraint family is defined once, as a :class:`RowBlock` of coordinate triples. The
same :class:`Program` is handed to HiGHS directly (:mod:`budgetopt.optimisation.highs`) or
rendered as a Pyomo model (:mod:`budgetopt.optimisation.pyomo_model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = np.inf

#: Money enters the matrix in thousands of euros, which keeps HiGHS's numbers well scaled.
MONEY_SCALE = 1e-3


@dataclass
class Sensitivity:
    """How a family's rows move with its policy parameter theta.

    ``d_lower``/``d_upper`` are derivatives of the row bounds and ``d_coef`` of the nonzero
    coefficients (aligned with the block's triples), all in the stored (scaled) units.
    ``step`` is the change of theta a user thinks in (EUR 1 M, one percentage point, ...).
    ``per_row`` marks a parameter that differs per row (a provider's capacity), reported row by row.
    """

    parameter: str
    step: float
    step_label: str
    d_lower: np.ndarray | None = None
    d_upper: np.ndarray | None = None
    d_coef: np.ndarray | None = None
    per_row: bool = False


@dataclass
class RowBlock:
    """One constraint family: rows ``lower <= A x <= upper`` keyed by the user's ids.

    ``sensitivity`` is the family's own parameter; ``also`` lists other parameters that move
    these rows too (the step-down allowance grows with demand).
    """

    family: str
    keys: pd.DataFrame
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sensitivity: Sensitivity | None = None
    start: int = 0
    also: list[Sensitivity] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self.lower)


@dataclass
class ColumnBlock:
    """A group of variables of one kind (x, u, w, t, z) keyed by the user's ids."""

    name: str
    keys: pd.DataFrame
    lower: np.ndarray
    upper: np.ndarray
    integer: bool = False
    start: int = 0

    @property
    def size(self) -> int:
        """Number of columns."""
        return len(self.lower)

    @property
    def slice(self) -> slice:
        """The block's range of global column indices."""
        return slice(self.start, self.start + self.size)


@dataclass
class Program:
    """A complete linear (or mixed-integer) program with named parts.

    ``objectives`` holds the minimisation cost vector of each objective (``max_quality`` is
    stored negated). ``arcs`` is the x block's key table with prices and qualities.
    """

    columns: dict[str, ColumnBlock]
    blocks: dict[str, RowBlock]
    objectives: dict[str, np.ndarray]
    arcs: pd.DataFrame
    cells: pd.DataFrame
    data: dict[str, object] = field(default_factory=dict)
    _matrix: sp.csc_matrix | None = field(default=None, repr=False)

    @property
    def num_cols(self) -> int:
        """Number of variables."""
        return sum(b.size for b in self.columns.values())

    @property
    def num_rows(self) -> int:
        """Number of constraints."""
        return sum(b.size for b in self.blocks.values())

    @property
    def col_lower(self) -> np.ndarray:
        """Lower bounds of every column."""
        return np.concatenate([b.lower for b in self.columns.values()])

    @property
    def col_upper(self) -> np.ndarray:
        """Upper bounds of every column."""
        return np.concatenate([b.upper for b in self.columns.values()])

    @property
    def integrality(self) -> np.ndarray:
        """True for integer columns."""
        return np.concatenate([np.full(b.size, b.integer) for b in self.columns.values()])

    @property
    def row_lower(self) -> np.ndarray:
        """Lower bounds of every row, in block order."""
        return np.concatenate([b.lower for b in self.blocks.values()] or [np.empty(0)])

    @property
    def row_upper(self) -> np.ndarray:
        """Upper bounds of every row, in block order."""
        return np.concatenate([b.upper for b in self.blocks.values()] or [np.empty(0)])

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix (rows in block order), assembled once."""
        if self._matrix is None:
            rows = [b.rows + b.start for b in self.blocks.values()]
            cols = [b.cols for b in self.blocks.values()]
            vals = [b.vals for b in self.blocks.values()]
            coo = sp.coo_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(self.num_rows, self.num_cols),
            )
            self._matrix = coo.tocsc()
            self._matrix.sum_duplicates()
        return self._matrix

    def row_range(self, family: str) -> slice:
        """Global row indices of a family."""
        block = self.blocks[family]
        return slice(block.start, block.start + block.size)

    def x(self, values: np.ndarray) -> np.ndarray:
        """The x part of a full column vector."""
        return values[self.columns["x"].slice]


def finish(
    columns: list[ColumnBlock],
    blocks: list[RowBlock],
    objectives: dict[str, np.ndarray],
    arcs: pd.DataFrame,
    cells: pd.DataFrame,
    data: dict[str, object],
) -> Program:
    """Number the column and row blocks and wrap them in a :class:`Program`."""
    start = 0
    for col in columns:
        col.start = start
        start += col.size
    row = 0
    kept = [b for b in blocks if b.size > 0]
    for block in kept:
        block.start = row
        row += block.size
    return Program(
        columns={c.name: c for c in columns},
        blocks={b.family: b for b in kept},
        objectives=objectives,
        arcs=arcs,
        cells=cells,
        data=data,
    )


def objective_in_user_units(objective: str, scaled: float) -> float:
    """Convert the stored minimisation value to the user's units (EUR, quality points, children)."""
    if objective == "min_cost":
        return scaled / MONEY_SCALE
    if objective == "max_quality":
        return -scaled
    return scaled
