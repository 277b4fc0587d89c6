"""The one way to read and change records, scoped to a region (tenant).

``Repository(session, region_id)`` sees only that region's records: a record of another region is
``NotFound`` and never listed. ``region_id=None`` is the system scope of workers and the reaper.
Methods work inside the caller's session and transaction (``Database.session()`` commits).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from budgetopt.results import Result
from budgetopt.scenario.instance import Instance
from budgetopt.storage.errors import Conflict, IdempotencyMismatch, NotFound, StorageError
from budgetopt.storage.instances import (
    cached_input_sha256,
    cached_instance,
    pack_instance,
    remember_input_sha256,
    unpack_instance,
)
from budgetopt.storage.records import (
    TERMINAL,
    Dataset,
    Job,
    JobKind,
    JobStatus,
    Region,
    ResultFile,
    ResultRecord,
    Scenario,
    ScenarioStatus,
    ScenarioTag,
    utcnow,
)

Record = TypeVar("Record", Dataset, Scenario, Job, ResultRecord)

MAX_PER_PAGE = 500
SCENARIO_FIELDS = frozenset({"name", "description", "tags", "parameters"})
_ACTIVE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


@dataclass
class Page:
    """One page of a list: the items, the total over all pages, page number (from 1) and size."""

    items: list[Any]
    total: int
    page: int
    per_page: int


def _compress(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _clean_tags(tags: Sequence[str]) -> list[str]:
    if isinstance(tags, str):
        msg = "tags: give a list of tags, not one string"
        raise TypeError(msg)
    return sorted({t.strip() for t in tags if t.strip()})


class Repository:
    """Records of one region (or of all, for the system scope)."""

    def __init__(self, session: Session, region_id: str | None) -> None:
        self.session = session
        self.region_id = region_id

    # ------------------------------------------------------------------------------ scoping

    def _scope(self, stmt: Select[Any], model: type[Record]) -> Select[Any]:
        return stmt if self.region_id is None else stmt.where(model.region_id == self.region_id)

    def _where_region(self, model: type[Record]) -> list[ColumnElement[bool]]:
        return [] if self.region_id is None else [model.region_id == self.region_id]

    def _get(self, model: type[Record], record_id: str, what: str) -> Record:
        record = self.session.scalars(self._scope(select(model).where(model.id == record_id), model)).first()
        if record is None:
            raise NotFound(f"{what} {record_id} not found")
        return record

    def _page(self, stmt: Select[Any], page: int, per_page: int) -> Page:
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
        total = self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        items = list(self.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
        return Page(items=items, total=int(total), page=page, per_page=per_page)

    def _region_for_write(self) -> str:
        if self.region_id is None:
            raise StorageError("records are created in a region; the system scope has none")
        return self.region_id

    def ensure_region(self) -> Region:
        """The caller's region row, created when missing."""
        region_id = self._region_for_write()
        region = self.session.get(Region, region_id)
        if region is None:
            try:
                with self.session.begin_nested():
                    region = Region(id=region_id, name=region_id)
                    self.session.add(region)
            except IntegrityError:
                region = self.session.get(Region, region_id, populate_existing=True)
                assert region is not None
        return region

    # ------------------------------------------------------------------------------ datasets

    def add_dataset(self, name: str, source_format: str, instance: Instance) -> Dataset:
        """Store a validated instance (JSON, gzip) with its SHA-256 and table row counts."""
        self.ensure_region()
        content = pack_instance(instance)
        dataset = Dataset(region_id=self.region_id, name=name, source_format=source_format,
                          sha256=instance.sha256, content=content, size_bytes=len(content),
                          row_counts={table: len(frame) for table, frame in instance.tables.items()})
        self.session.add(dataset)
        self.session.flush()
        return dataset

    def get_dataset(self, dataset_id: str) -> Dataset:
        """The dataset; ``NotFound`` when absent or of another region."""
        return self._get(Dataset, dataset_id, "dataset")

    def list_datasets(self, page: int = 1, per_page: int = 20) -> Page:
        """Datasets, newest first."""
        stmt = self._scope(select(Dataset), Dataset).order_by(Dataset.created_at.desc(), Dataset.id)
        return self._page(stmt, page, per_page)

    def dataset_content(self, dataset: Dataset) -> bytes:
        """The stored instance as budgetopt's JSON document (UTF-8 bytes)."""
        content = self.session.scalar(select(Dataset.content).where(Dataset.id == dataset.id))
        if content is None:
            raise NotFound(f"dataset {dataset.id} not found")
        return gzip.decompress(content)

    def dataset_instance(self, dataset: Dataset) -> Instance:
        """The stored instance (with the dataset's own scenario); the content is read and unpacked only
        when this process does not hold the instance of that SHA-256 already."""
        known = cached_instance(dataset.sha256)
        if known is not None:
            return known
        content = self.session.scalar(select(Dataset.content).where(Dataset.id == dataset.id))
        if content is None:
            raise NotFound(f"dataset {dataset.id} not found")
        return unpack_instance(content, dataset.sha256)

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset; ``Conflict`` while scenarios use it."""
        dataset = self.get_dataset(dataset_id)
        used = self.session.scalar(select(func.count()).where(Scenario.dataset_id == dataset.id)) or 0
        if used:
            raise Conflict(f"dataset {dataset_id} is used by {used} scenario(s)")
        self.session.delete(dataset)
        self.session.flush()

    # ----------------------------------------------------------------------------- scenarios

    def add_scenario(self, dataset_id: str, name: str, parameters: dict[str, Any], *, description: str = "",
                     tags: Sequence[str] = ()) -> Scenario:
        """A draft scenario; ``parameters`` are validated against the dataset's scenario (pydantic's
        ``ValidationError`` propagates)."""
        dataset = self.get_dataset(dataset_id)
        self.dataset_instance(dataset).with_scenario(**parameters)
        scenario = Scenario(region_id=dataset.region_id, dataset_id=dataset.id, name=name,
                            description=description, parameters=dict(parameters))
        scenario.tags = _clean_tags(tags)
        self.session.add(scenario)
        self.session.flush()
        return scenario

    def get_scenario(self, scenario_id: str) -> Scenario:
        """The scenario; ``NotFound`` when absent or of another region."""
        return self._get(Scenario, scenario_id, "scenario")

    def update_scenario(self, scenario_id: str, **changes: Any) -> Scenario:
        """Change name, description, tags or parameters of a draft (``Conflict`` once submitted)."""
        unknown = set(changes) - SCENARIO_FIELDS
        if unknown:
            raise TypeError(f"cannot change {', '.join(sorted(unknown))} of a scenario")
        scenario = self.get_scenario(scenario_id)
        if scenario.status != ScenarioStatus.DRAFT:
            raise Conflict(f"scenario {scenario_id} is {scenario.status}; only drafts can be edited")
        if "parameters" in changes:
            parameters = dict(changes["parameters"])
            self.dataset_instance(self.get_dataset(scenario.dataset_id)).with_scenario(**parameters)
            scenario.parameters = parameters
        if "tags" in changes:
            scenario.tags = _clean_tags(changes["tags"])
        for field in ("name", "description"):
            if field in changes:
                setattr(scenario, field, changes[field])
        scenario.updated_at = utcnow()
        self.session.flush()
        return scenario

    def duplicate_scenario(self, scenario_id: str, name: str | None = None) -> Scenario:
        """A new draft with the same dataset, parameters, description and tags; ``parent_id`` set."""
        source = self.get_scenario(scenario_id)
        copy = Scenario(region_id=source.region_id, dataset_id=source.dataset_id,
                        name=name or f"{source.name} (copy)", description=source.description,
                        parameters=dict(source.parameters), parent_id=source.id)
        copy.tags = source.tags
        self.session.add(copy)
        self.session.flush()
        return copy

    def delete_scenario(self, scenario_id: str) -> None:
        """Delete a scenario with its finished jobs and results; ``Conflict`` while a job is active."""
        scenario = self.get_scenario(scenario_id)
        active = self.session.scalar(select(func.count()).where(
            Job.scenario_id == scenario.id, Job.status.in_(_ACTIVE))) or 0
        if active:
            raise Conflict(f"scenario {scenario_id} has {active} queued or running job(s); cancel them first")
        self.session.delete(scenario)
        self.session.flush()

    def list_scenarios(self, *, q: str | None = None, tags: Sequence[str] = (), status: str | None = None,
                       dataset_id: str | None = None, page: int = 1, per_page: int = 20) -> Page:
        """Scenarios, newest first: ``q`` in name or description (any case), carrying every tag in
        ``tags``, with that status, of that dataset."""
        stmt = self._scope(select(Scenario), Scenario)
        if q:
            stmt = stmt.where(or_(Scenario.name.icontains(q, autoescape=True),
                                  Scenario.description.icontains(q, autoescape=True)))
        for tag in _clean_tags(tags):
            stmt = stmt.where(exists().where(ScenarioTag.scenario_id == Scenario.id, ScenarioTag.tag == tag))
        if status is not None:
            stmt = stmt.where(Scenario.status == status)
        if dataset_id is not None:
            stmt = stmt.where(Scenario.dataset_id == dataset_id)
        return self._page(stmt.order_by(Scenario.created_at.desc(), Scenario.id), page, per_page)

    def scenario_instance(self, scenario: Scenario) -> Instance:
        """The dataset's instance with the scenario's parameters applied."""
        dataset = self._get(Dataset, scenario.dataset_id, "dataset")
        instance = self.dataset_instance(dataset).with_scenario(**scenario.parameters)
        remember_input_sha256(dataset.sha256, scenario.parameters, instance.sha256)
        return instance

    def scenario_sha256(self, scenario: Scenario) -> str:
        """``Instance.sha256`` of :meth:`scenario_instance` (remembered in-process)."""
        dataset_sha256 = self.session.scalar(select(Dataset.sha256).where(Dataset.id == scenario.dataset_id))
        if dataset_sha256 is not None:
            known = cached_input_sha256(dataset_sha256, scenario.parameters)
            if known is not None:
                return known
        return self.scenario_instance(scenario).sha256

    # ------------------------------------------------------------------------- jobs (region)

    def job_instance(self, job: Job) -> Instance:
        """The instance the job solves (its scenario's); ``StorageError`` if it no longer has the
        job's ``input_sha256``."""
        instance = self.scenario_instance(self.get_scenario(job.scenario_id))
        if instance.sha256 != job.input_sha256:
            raise StorageError(f"the input of job {job.id} changed since it was submitted")
        return instance

    def _job_by_key(self, idempotency_key: str) -> Job | None:
        return self.session.scalars(select(Job).where(
            Job.region_id == self.region_id, Job.idempotency_key == idempotency_key)).first()

    @staticmethod
    def _same_request(job: Job, request_sha256: str | None) -> Job:
        if job.request_sha256 != request_sha256:
            raise IdempotencyMismatch(
                f"Idempotency-Key {job.idempotency_key!r} was used with another request (job {job.id})")
        return job

    def create_job(self, scenario_id: str, *, kind: str = "solve", options: dict[str, Any] | None = None,
                   idempotency_key: str | None = None, request_sha256: str | None = None,
                   max_attempts: int = 2) -> tuple[Job, bool]:
        """A queued job of the scenario, and whether it was created now.

        The same ``idempotency_key`` with the same ``request_sha256`` gives the existing job
        (``created=False``), with another hash ``IdempotencyMismatch``; concurrent identical requests
        make one job. The scenario becomes ``submitted``."""
        self._region_for_write()
        kind = JobKind(kind).value
        if idempotency_key is not None:
            existing = self._job_by_key(idempotency_key)
            if existing is not None:
                return self._same_request(existing, request_sha256), False
        scenario = self.get_scenario(scenario_id)
        input_sha256 = self.scenario_sha256(scenario)
        now = utcnow()
        job = Job(region_id=scenario.region_id, kind=kind, scenario_id=scenario.id,
                  status=JobStatus.QUEUED.value, attempt=0, max_attempts=max_attempts,
                  cancel_requested=False, idempotency_key=idempotency_key, request_sha256=request_sha256,
                  input_sha256=input_sha256, progress={}, options=dict(options or {}),
                  created_at=now, queued_at=now)
        try:
            with self.session.begin_nested():
                self.session.add(job)
        except IntegrityError:
            if idempotency_key is None:
                raise
            existing = self._job_by_key(idempotency_key)
            if existing is None:
                raise
            return self._same_request(existing, request_sha256), False
        scenario.status = ScenarioStatus.SUBMITTED.value
        self.session.flush()
        return job, True

    def get_job(self, job_id: str) -> Job:
        """The job; ``NotFound`` when absent or of another region."""
        return self._get(Job, job_id, "job")

    def list_jobs(self, *, scenario_id: str | None = None, status: str | None = None, page: int = 1,
                  per_page: int = 20) -> Page:
        """Jobs, newest first, of one scenario and/or with one status."""
        stmt = self._scope(select(Job), Job)
        if scenario_id is not None:
            stmt = stmt.where(Job.scenario_id == scenario_id)
        if status is not None:
            stmt = stmt.where(Job.status == status)
        return self._page(stmt.order_by(Job.created_at.desc(), Job.id), page, per_page)

    def _update_job(self, job_id: str, *conditions: ColumnElement[bool], **values: Any) -> bool:
        result = self.session.execute(
            update(Job).where(Job.id == job_id, *conditions, *self._where_region(Job)).values(**values)
            .execution_options(synchronize_session=False))
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
        loaded = self.session.identity_map.get(self.session.identity_key(Job, job_id))  # type: ignore[arg-type]
        if changed and loaded is not None:
            self.session.refresh(loaded)
        return changed

    def _reload(self, job_id: str) -> Job:
        job = self.session.get(Job, job_id, populate_existing=True)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        return job

    def request_cancel(self, job_id: str) -> Job:
        """Cancel: a queued job ends ``cancelled`` now; a running one gets ``cancel_requested``
        (its runner interrupts the solve); a finished one is left as it is."""
        self.get_job(job_id)
        now = utcnow()
        if not self._update_job(job_id, Job.status == JobStatus.QUEUED.value,
                                status=JobStatus.CANCELLED.value, cancel_requested=True, finished_at=now,
                                phase=None):
            self._update_job(job_id, Job.status == JobStatus.RUNNING.value, cancel_requested=True)
        return self._reload(job_id)

    def get_result(self, job_id: str) -> ResultRecord:
        """The job's result; ``NotFound`` when the job is unknown or has none yet."""
        job = self.get_job(job_id)
        record = self.session.scalars(select(ResultRecord).where(ResultRecord.job_id == job.id)).first()
        if record is None:
            raise NotFound(f"job {job_id} has no result")
        return record

    def result_file(self, record: ResultRecord, name: str) -> bytes:
        """The exact bytes of one result file; ``NotFound`` when the result has no such file."""
        content = self.session.scalar(select(ResultFile.content).where(
            ResultFile.result_id == record.id, ResultFile.name == name))
        if content is None:
            raise NotFound(f"result of job {record.job_id} has no file {name}")
        return gzip.decompress(content)

    # ------------------------------------------------------------------------- jobs (system)

    def claim_job(self, job_id: str, worker: str) -> Job | None:
        """Take a queued job to run it (``running``, attempt + 1); None when another worker took it,
        it was cancelled, or it is not queued."""
        now = utcnow()
        if not self._update_job(job_id, Job.status == JobStatus.QUEUED.value, Job.cancel_requested.is_(False),
                                status=JobStatus.RUNNING.value, attempt=Job.attempt + 1, started_at=now,
                                heartbeat_at=now, worker=worker, phase="starting", error=None):
            return None
        return self._reload(job_id)

    def claim_next(self, worker: str) -> Job | None:
        """Claim the oldest queued job; None when there is none."""
        for _ in range(10):
            stmt = self._scope(select(Job.id), Job).where(
                Job.status == JobStatus.QUEUED.value, Job.cancel_requested.is_(False),
            ).order_by(Job.queued_at, Job.created_at).limit(1)
            if self.session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            job_id = self.session.scalar(stmt)
            if job_id is None:
                return None
            job = self.claim_job(job_id, worker)
            if job is not None:
                return job
        return None

    def heartbeat(self, job_id: str, worker: str, *, phase: str | None = None,
                  progress: dict[str, Any] | None = None) -> bool:
        """Record that ``worker`` still runs the job (and its phase and progress). Returns True when the
        run should stop: cancel was requested, or the job is no longer running by this worker."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if phase is not None:
            values["phase"] = phase
        if progress is not None:
            values["progress"] = progress
        if not self._update_job(job_id, Job.status == JobStatus.RUNNING.value, Job.worker == worker,
                                **values):
            return True
        return bool(self.session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))

    def finish_job(self, job_id: str, status: JobStatus, *, result: Result | None = None,
                   frontier: list[dict[str, Any]] | None = None, error: dict[str, Any] | None = None,
                   worker: str | None = None) -> bool:
        """End a job with a terminal status, storing its result (when given) in the same transaction.

        With ``worker`` the job must still be running by that worker. A job already ended is left
        unchanged: returns False, and no second result is stored."""
        status = JobStatus(status)
        if status not in TERMINAL:
            raise ValueError(f"{status} is not a terminal status")
        conditions = [Job.status.in_(_ACTIVE)]
        if worker is not None:
            conditions = [Job.status == JobStatus.RUNNING.value, Job.worker == worker]
        if not self._update_job(job_id, *conditions, status=status.value, finished_at=utcnow(),
                                error=error, phase="done"):
            return False
        if result is not None or frontier is not None:
            region_id = self.session.scalar(select(Job.region_id).where(Job.id == job_id))
            record = ResultRecord(job_id=job_id, region_id=region_id,
                                  status=None if result is None else result.status.value,
                                  summary={} if result is None else result.to_dict(), frontier=frontier)
            if result is not None:
                record.file_rows = [ResultFile(name=name, size_bytes=len(data), content=_compress(data))
                                    for name, data in result.files().items()]
            self.session.add(record)
        self.session.flush()
        return True

    def _release(self, job: Job, now: datetime, max_attempts: int, lost: dict[str, str],
                 *conditions: ColumnElement[bool]) -> str | None:
        """End a running job whose worker is gone: ``cancelled`` when cancel was requested, ``queued``
        again while attempts remain, else ``failed``; the new status, or None when the job moved on."""
        if job.cancel_requested:
            new, values = JobStatus.CANCELLED, {"finished_at": now, "error": lost, "phase": None}
        elif job.attempt < min(job.max_attempts, max_attempts):
            new, values = JobStatus.QUEUED, {"queued_at": now, "worker": None, "phase": None,
                                             "heartbeat_at": None, "error": lost}
        else:
            new, values = JobStatus.FAILED, {"finished_at": now, "error": lost, "phase": None}
        same_run = [Job.status == JobStatus.RUNNING.value, Job.worker == job.worker,
                    Job.attempt == job.attempt]
        if self._update_job(job.id, *same_run, *conditions, status=new.value, **values):
            return new.value
        return None

    def release_worker(self, worker: str, *, max_attempts: int,
                       now: datetime | None = None) -> list[tuple[str, str]]:
        """The running jobs of ``worker``, a process known to be dead, without waiting for their heartbeat
        to go stale: back to ``queued`` while attempts remain (fewer than the job's and
        ``max_attempts``), ``cancelled`` when cancel was requested, else ``failed`` with error code
        ``worker_lost``. Returns (job id, status)."""
        now = now or utcnow()
        running = self.session.scalars(self._scope(select(Job), Job).where(
            Job.status == JobStatus.RUNNING.value, Job.worker == worker).order_by(Job.started_at))
        changed: list[tuple[str, str]] = []
        for job in list(running):
            lost = {"code": "worker_lost", "message": f"worker {worker} ended during attempt {job.attempt}"}
            status = self._release(job, now, max_attempts, lost)
            if status is not None:
                changed.append((job.id, status))
        return changed

    def _stale_running(self, cutoff: datetime) -> list[Job]:
        return list(self.session.scalars(self._scope(select(Job), Job).where(
            Job.status == JobStatus.RUNNING.value,
            or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None)),
        ).order_by(Job.started_at)))

    def reap(self, *, now: datetime | None = None, stale_after_s: float,
             max_attempts: int) -> list[tuple[str, str]]:
        """Jobs whose worker stopped answering (heartbeat older than ``stale_after_s``): back to
        ``queued`` while attempts remain (fewer than the job's and ``max_attempts``), ``cancelled`` when
        cancel was requested, else ``failed`` with error code ``worker_lost``. Returns (job id, status)."""
        now = now or utcnow()
        cutoff = now - timedelta(seconds=stale_after_s)
        changed: list[tuple[str, str]] = []
        for job in self._stale_running(cutoff):
            lost = {"code": "worker_lost",
                    "message": f"worker {job.worker} stopped answering during attempt {job.attempt}"}
            status = self._release(job, now, max_attempts, lost,
                                   or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None)))
            if status is not None:
                changed.append((job.id, status))
        return changed

    def overdue(self, *, now: datetime | None = None, grace_s: float,
                default_time_limit_s: float = 60.0) -> list[Job]:
        """Running jobs past ``started_at`` + time limit (``options.time_limit_s``, else the default)
        + ``grace_s``: their solve is to be killed."""
        now = now or utcnow()
        running = self.session.scalars(self._scope(select(Job), Job).where(
            Job.status == JobStatus.RUNNING.value).order_by(Job.started_at))
        late = []
        for job in running:
            limit = job.time_limit_s if job.time_limit_s is not None else default_time_limit_s
            started = job.started_at or job.created_at
            if started + timedelta(seconds=limit + grace_s) < now:
                late.append(job)
        return late

    def stale_queued(self, *, older_than_s: float, now: datetime | None = None) -> list[str]:
        """Ids of jobs queued (and not cancelled) for longer than ``older_than_s``, oldest first."""
        cutoff = (now or utcnow()) - timedelta(seconds=older_than_s)
        return list(self.session.scalars(self._scope(select(Job.id), Job).where(
            Job.status == JobStatus.QUEUED.value, Job.cancel_requested.is_(False), Job.queued_at < cutoff,
        ).order_by(Job.queued_at)))
