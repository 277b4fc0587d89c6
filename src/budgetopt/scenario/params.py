"""Scenario parameters: the scalar levers of one run (``scenario.toml``, ``_scalars`` sheet, JSON)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Share = Annotated[float, Field(ge=0.0, le=1.0)]


#: The two ways to give the regional budget; giving one replaces the other.
BUDGET_FORMS = {"budget_cut": "budget_eur", "budget_eur": "budget_cut"}

class Objective(StrEnum):
    """What the optimiser pursues."""

    MIN_COST = "min_cost"
    MAX_QUALITY = "max_quality"
    MIN_DISRUPTION = "min_disruption"


class Scenario(BaseModel):
    """The levers of one run. A parameter left out switches its constraint off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("scenario", description="Short name of the scenario.")
    description: str = Field("", description="What this scenario explores.")
    budget_eur: float | None = Field(
        None, ge=0, description="Regional budget [EUR/yr]; excludes budget_cut."
    )
    budget_cut: float | None = Field(
        None, ge=0, lt=1, description="Budget as a cut on the baseline cost [fraction]."
    )
    objective: Objective = Field(
        Objective.MIN_DISRUPTION,
        description="min_cost, max_quality or min_disruption (fewest children moved or stepped down).",
    )
    demand_growth: float = Field(
        0.0, gt=-1, description="Growth of every demand cell against the baseline year [fraction]."
    )
    price_index: float = Field(1.0, gt=0, description="Multiplier on every price [-].")
    step_down_share: Share | dict[int, Share] | None = Field(
        None,
        description=(
            "Share of the children indicated at a level that may be served lighter [fraction]; "
            "one number or one per indicated level."
        ),
    )
    max_step_down_levels: int | None = Field(
        None, ge=0, description="How many levels lighter a child may be served [levels]."
    )
    quality_floor: Share | None = Field(
        None, description="Minimum average quality of care per municipality [0-1]."
    )
    continuity_max_moved_share: Share | None = Field(
        None,
        description="Children moved away from their provider, at most this share per municipality.",
    )
    alliance_revenue_floor: Share | None = Field(
        None, description="Alliance providers keep at least (1 - this) of baseline revenue."
    )
    out_of_home_max_share: Share | None = Field(
        None, description="Children in out-of-home care, at most this share per municipality."
    )
    residential_max_share_of_out_of_home: Share | None = Field(
        None, description="Residential care, at most this share of out-of-home care per municipality."
    )
    max_provider_share: Share | None = Field(
        None, description="No provider serves more than this share of a need's volume."
    )
    municipality_budget_tolerance: float | None = Field(
        None,
        ge=0,
        description="Each municipality's cost at most (1 + this) x its budget share [fraction].",
    )
    enforce_capacity: bool = Field(True, description="Respect provider and offer capacities.")
    allow_waiting_list: bool = Field(
        False, description="Allow unserved children (a waiting list) at a penalty."
    )
    waiting_list_penalty_eur: float | None = Field(
        None, gt=0, description="Penalty per unserved child-year in min_cost [EUR]."
    )
    max_providers_per_need: int | None = Field(
        None, ge=1, description="Procurement: contracted providers per need, at most [count]."
    )
    min_contract_children: float | None = Field(
        None, ge=0, description="Procurement: minimum volume of a contracted lot [child-years]."
    )
    contract_cost_eur: float | None = Field(
        None, ge=0, description="Procurement: fixed contract/administration cost per lot [EUR/yr]."
    )
    time_limit_s: float = Field(60.0, gt=0, description="Solver time limit [s].")
    mip_gap: float = Field(1e-4, ge=0, le=1, description="Relative MIP gap to stop at [fraction].")

    @model_validator(mode="after")
    def _one_budget(self) -> Scenario:
        if self.budget_eur is not None and self.budget_cut is not None:
            msg = "give budget_eur or budget_cut, not both"
            raise ValueError(msg)
        return self

    @property
    def procurement(self) -> bool:
        """Whether the procurement (MIP) variant is on."""
        return any(
            v is not None
            for v in (self.max_providers_per_need, self.min_contract_children, self.contract_cost_eur)
        )

    @property
    def step_down_depth(self) -> int:
        """s: how many levels lighter than indicated a child may be served."""
        if self.max_step_down_levels is not None:
            return self.max_step_down_levels
        return 1 if self.step_down_share is not None else 0

    def step_down_share_for(self, level: int) -> float | None:
        """sigma[k] for an indicated level, or None when the share limit is off."""
        if self.step_down_share is None:
            return None
        if isinstance(self.step_down_share, dict):
            return float(self.step_down_share.get(level, 0.0))
        return float(self.step_down_share)
