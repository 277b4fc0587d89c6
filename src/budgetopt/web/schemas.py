"""Request and response bodies of the API (pydantic; the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from apiflask.fields import UploadFile
from pydantic import BaseModel, ConfigDict, Field

MAX_PER_PAGE = 200


class Paging(BaseModel):
    """Query parameters of a paged list."""

    page: int = Field(1, ge=1, description="Page number, from 1.")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="Items per page.")


# ------------------------------------------------------------------------------------ datasets


class DatasetUpload(BaseModel):
    """A multipart upload of an instance."""

    file: UploadFile = Field(description="A zip of CSV files, an XLSX workbook or a JSON document.")
    name: str | None = Field(None, max_length=200, description="Name of the dataset (default: file name).")


class DatasetOut(BaseModel):
    """A stored, validated instance."""

    id: str
    name: str
    source_format: Literal["csv-zip", "xlsx", "json"]
    sha256: str = Field(description="SHA-256 of the instance content.")
    size_bytes: int = Field(description="Stored size [bytes].")
    row_counts: dict[str, int] = Field(description="Rows per table.")
    created_at: datetime


class DatasetPage(BaseModel):
    """A page of datasets."""

    items: list[DatasetOut]
    total: int
    page: int
    per_page: int


class DownloadQuery(BaseModel):
    """The format of a downloaded instance."""

    format: Literal["json", "xlsx", "csv-zip"] = "json"


class TemplateQuery(BaseModel):
    """The format of the empty template."""

    format: Literal["xlsx", "csv-zip"] = "xlsx"


# ----------------------------------------------------------------------------------- scenarios


class ScenarioIn(BaseModel):
    """A new scenario: a dataset and parameter overrides of its scenario."""

    model_config = ConfigDict(extra="forbid")

    dataset_id: str
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="Scenario parameters (budget_cut, objective, ...); see the data format.")


class ScenarioPatch(BaseModel):
    """Changes to a draft scenario; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=20)
    parameters: dict[str, Any] | None = None


class ScenarioDuplicate(BaseModel):
    """The name of the copy (default: the original's name with "(copy)")."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)


class ScenarioOut(BaseModel):
    """A scenario."""

    id: str
    dataset_id: str
    name: str
    description: str
    tags: list[str]
    parameters: dict[str, Any]
    status: Literal["draft", "submitted"]
    parent_id: str | None
    created_at: datetime
    updated_at: datetime


class ScenarioQuery(Paging):
    """Search and filters of the scenario list."""

    q: str | None = Field(None, max_length=200, description="Text in the name or description.")
    tag: str | None = Field(None, description="Comma-separated tags; a scenario must carry all.")
    status: Literal["draft", "submitted"] | None = None
    dataset_id: str | None = None


class ScenarioPage(BaseModel):
    """A page of scenarios."""

    items: list[ScenarioOut]
    total: int
    page: int
    per_page: int


# ---------------------------------------------------------------------------------------- jobs


class JobIn(BaseModel):
    """Options of a solve."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float | None = Field(None, gt=0, le=86_400, description="Solver time limit [s].")


class FrontierIn(BaseModel):
    """A budget frontier: the best objective at budgets from low to high x the baseline cost."""

    model_config = ConfigDict(extra="forbid")

    points: int = Field(10, ge=2, le=100)
    low: float = Field(0.8, gt=0, description="Lowest budget / baseline cost.")
    high: float = Field(1.0, gt=0, description="Highest budget / baseline cost.")
    time_limit_s: float | None = Field(None, gt=0, le=86_400, description="Time limit per point [s].")


class JobError(BaseModel):
    """Why a job failed."""

    code: str
    message: str = ""


class JobOut(BaseModel):
    """A job and its progress."""

    id: str
    kind: Literal["solve", "frontier"]
    scenario_id: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]
    phase: str | None = Field(None, description="What the solver is doing (build, solve, ...).")
    attempt: int
    max_attempts: int
    cancel_requested: bool
    elapsed_s: float | None = Field(None, description="Time since the job started [s].")
    incumbent: float | None = Field(None, description="Best objective found so far.")
    bound: float | None = Field(None, description="Best bound on the objective.")
    gap: float | None = Field(None, description="Relative MIP gap [fraction].")
    options: dict[str, Any]
    error: JobError | None = None
    result_status: str | None = Field(None, description="How the solve ended, once there is a result.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobQuery(Paging):
    """Filters of the job list."""

    scenario_id: str | None = None
    status: Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"] | None = None


class JobPage(BaseModel):
    """A page of jobs."""

    items: list[JobOut]
    total: int
    page: int
    per_page: int


# ------------------------------------------------------------------------------------- results


class ResultOut(BaseModel):
    """The summary of a result: status, objective, KPIs, binding constraints and diagnosis."""

    job_id: str
    status: str = Field(description="optimal, infeasible, time_limit_feasible, ...")
    message: str
    objective: dict[str, Any]
    kpis: dict[str, Any]
    constraint_groups: list[dict[str, Any]]
    diagnosis: dict[str, Any] | None
    solver: dict[str, Any]
    input_sha256: str | None
    files: list[str] = Field(description="Names of the downloadable files.")


class AllocationPage(BaseModel):
    """A page of the allocation table (rows of allocation.csv)."""

    columns: list[str]
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


class FrontierOut(BaseModel):
    """The points of a frontier job."""

    job_id: str
    points: list[dict[str, Any]]


# --------------------------------------------------------------------------------- comparisons


class ComparisonIn(BaseModel):
    """2-5 finished jobs compared against a baseline: ``dataset`` (the current allocation) or a job id."""

    model_config = ConfigDict(extra="forbid")

    job_ids: list[str] = Field(min_length=2, max_length=5)
    baseline: str = Field("dataset", description='"dataset" or the id of one more job.')


class ComparedRun(BaseModel):
    """One run in a comparison."""

    job_id: str | None
    label: str
    status: str
    kpis: dict[str, float | None]
    deltas: dict[str, float | None] = Field(description="KPI minus the baseline's KPI.")


class ComparisonOut(BaseModel):
    """KPIs side by side with deltas against the baseline."""

    kpis: list[str]
    baseline: ComparedRun
    runs: list[ComparedRun]


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    database: str | None = None
