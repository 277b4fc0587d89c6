"""Where a report's content comes from: a stored job's result, or the files ``budgetopt solve`` wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from budgetopt.storage import Repository, ResultRecord

RESULT_FILES = ("result.json", "allocation.csv", "unserved.csv")


@dataclass
class ReportSource:
    """A result summary (``Result.to_dict()``), the report's meta data and the result files by name."""

    summary: dict[str, Any]
    meta: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def job_meta(repo: Repository, job_id: str) -> dict[str, Any]:
    """Region, dataset, scenario (name and parameters), job id and times of a stored job."""
    job = repo.get_job(job_id)
    scenario = repo.get_scenario(job.scenario_id)
    dataset = repo.get_dataset(scenario.dataset_id)
    return {
        "region": job.region_id, "dataset_name": dataset.name, "scenario_name": scenario.name,
        "scenario_parameters": dict(scenario.parameters or {}), "job_id": job.id,
        "created_at": job.created_at, "finished_at": job.finished_at,
    }


def job_source(repo: Repository, job_id: str, record: ResultRecord, *,
               with_files: bool = True) -> ReportSource:
    """The content of a stored job's report: its result record, meta data and (``with_files``) the CSV
    files the exports need."""
    meta = job_meta(repo, job_id)
    if record.frontier is not None:
        meta["frontier"] = list(record.frontier)
    files = {}
    for name in record.file_names if with_files else ():
        if name in RESULT_FILES and name != "result.json":
            files[name] = repo.result_file(record, name)
    return ReportSource(summary=dict(record.summary or {}), meta=meta, files=files)


def directory_source(path: Path) -> ReportSource:
    """The content of a report from ``result.json`` (and the CSV files next to it) as ``solve`` writes
    them; ``path`` is the directory or the ``result.json`` file. The report's date is the file's."""
    result = path / "result.json" if path.is_dir() else path
    folder = result.parent
    summary = json.loads(result.read_text(encoding="utf-8"))
    provenance = summary.get("provenance") or {}
    scenario = provenance.get("scenario") or {}
    written = datetime.fromtimestamp(result.stat().st_mtime, tz=UTC)
    meta = {"region": None, "dataset_name": provenance.get("source"), "scenario_name": scenario.get("name"),
            "scenario_parameters": {}, "job_id": None, "created_at": None, "finished_at": written}
    files = {name: (folder / name).read_bytes() for name in RESULT_FILES[1:] if (folder / name).is_file()}
    return ReportSource(summary=summary, meta=meta, files=files)
