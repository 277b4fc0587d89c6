"""Datasets and scenarios: stored faithfully, scoped by region, searchable, editable while drafts."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
from pydantic import ValidationError
from sqlalchemy import event

from budgetopt.scenario.instance import Instance
from budgetopt.storage import Conflict, Database, Dataset, NotFound, Repository, ScenarioStatus, StorageError
from tests.conftest import load
from tests.storage.conftest import OTHER_REGION, REGION, add_dataset, add_scenario


def test_dataset_round_trip_keeps_the_instance(db: Database) -> None:
    drenthe = load("drenthe")
    stored = add_dataset(db, drenthe, name="Drenthe 2025")
    assert stored.sha256 == drenthe.sha256
    assert stored.row_counts == {name: len(frame) for name, frame in drenthe.tables.items()}
    assert stored.row_counts["baseline"] > 0
    assert stored.region_id == REGION
    assert stored.created_at.tzinfo is not None
    with db.session() as session:
        repo = Repository(session, REGION)
        dataset = repo.get_dataset(stored.id)
        instance = repo.dataset_instance(dataset)
        document = json.loads(repo.dataset_content(dataset))
    assert instance.sha256 == drenthe.sha256
    assert set(document["tables"]) == set(drenthe.tables)
    assert dataset.size_bytes < len(json.dumps(document))  # stored compressed
    assert dataset.name == "Drenthe 2025"


def test_records_of_another_region_are_not_found_and_never_listed(db: Database, small: Instance) -> None:
    mine = add_dataset(db, small, region=REGION)
    theirs = add_dataset(db, small, region=OTHER_REGION)
    their_scenario = add_scenario(db, theirs, region=OTHER_REGION)
    with db.session() as session:
        repo = Repository(session, REGION)
        assert [d.id for d in repo.list_datasets().items] == [mine.id]
        assert repo.list_scenarios().total == 0
        with pytest.raises(NotFound):
            repo.get_dataset(theirs.id)
        with pytest.raises(NotFound):
            repo.get_scenario(their_scenario.id)
        with pytest.raises(NotFound):
            repo.add_scenario(theirs.id, "steal", {})
        with pytest.raises(NotFound):
            repo.create_job(their_scenario.id)
    with db.session() as session:
        their_job, _ = Repository(session, OTHER_REGION).create_job(their_scenario.id, idempotency_key="k")
    with db.session() as session:
        repo = Repository(session, REGION)
        assert repo.list_jobs().total == 0
        for look_up in (repo.get_job, repo.request_cancel, repo.get_result):
            with pytest.raises(NotFound):
                look_up(their_job.id)
        assert repo.create_job(repo.add_scenario(mine.id, "own", {}).id, idempotency_key="k")[1] is True
        with pytest.raises(NotFound):
            repo.delete_scenario(their_scenario.id)
        with pytest.raises(NotFound):
            repo.delete_dataset(theirs.id)
    with db.session() as session:
        system = Repository(session, None)
        assert system.list_datasets().total == 2
        with pytest.raises(StorageError):
            system.add_dataset("no region", "json", small)


def test_dataset_paging_newest_first(db: Database, small: Instance) -> None:
    ids = [add_dataset(db, small, name=f"d{i}").id for i in range(5)]
    with db.session() as session:
        repo = Repository(session, REGION)
        first, last = repo.list_datasets(page=1, per_page=2), repo.list_datasets(page=3, per_page=2)
        beyond = repo.list_datasets(page=4, per_page=2)
    assert (first.total, first.page, first.per_page) == (5, 1, 2)
    assert [d.id for d in first.items] == ids[::-1][:2]
    assert [d.id for d in last.items] == [ids[0]]
    assert beyond.items == []
    assert beyond.total == 5


def test_dataset_in_use_cannot_be_deleted(db: Database, small: Instance) -> None:
    used, unused = add_dataset(db, small), add_dataset(db, small)
    scenario = add_scenario(db, used)
    with db.session() as session:
        repo = Repository(session, REGION)
        with pytest.raises(Conflict, match="used by 1 scenario"):
            repo.delete_dataset(used.id)
        repo.delete_dataset(unused.id)
    with db.session() as session:
        repo = Repository(session, REGION)
        with pytest.raises(NotFound):
            repo.get_dataset(unused.id)
        repo.delete_scenario(scenario.id)
        repo.delete_dataset(used.id)
        assert repo.list_datasets().total == 0


def test_scenario_parameters_are_validated_and_applied(db: Database, small: Instance) -> None:
    dataset = add_dataset(db, small.with_scenario(budget_cut=None, budget_eur=1e9))
    with db.session() as session:
        repo = Repository(session, REGION)
        with pytest.raises(ValidationError, match="budget_cut"):
            repo.add_scenario(dataset.id, "bad", {"budget_cut": 1.5})
        with pytest.raises(ValidationError, match="no_such_lever"):
            repo.add_scenario(dataset.id, "bad", {"no_such_lever": 1})
        scenario = repo.add_scenario(dataset.id, "cut 15", {"budget_cut": 0.15, "price_index": 1.02},
                                     description="fifteen percent", tags=["cut", "2026", "cut"])
        instance = repo.scenario_instance(scenario)
    assert scenario.status == ScenarioStatus.DRAFT
    assert list(scenario.tags) == ["2026", "cut"]
    assert instance.scenario.budget_cut == 0.15
    assert instance.scenario.budget_eur is None  # a cut replaces the dataset's own budget
    assert instance.scenario.price_index == 1.02
    assert instance.tables.keys() == small.tables.keys()
    assert instance.sha256 != small.sha256


def test_drafts_can_be_edited_submitted_scenarios_cannot(db: Database, small: Instance) -> None:
    dataset = add_dataset(db, small)
    scenario = add_scenario(db, dataset, tags=["a", "b"])
    with db.session() as session:
        repo = Repository(session, REGION)
        edited = repo.update_scenario(scenario.id, name="renamed", description="new",
                                      parameters={"budget_cut": 0.2}, tags=["b", "c"])
        assert (edited.name, edited.description, edited.parameters) == ("renamed", "new", {"budget_cut": 0.2})
        assert edited.updated_at >= scenario.updated_at
        with pytest.raises(ValidationError):
            repo.update_scenario(scenario.id, parameters={"price_index": -1})
        with pytest.raises(TypeError, match="status"):
            repo.update_scenario(scenario.id, status="submitted")
    with db.session() as session:
        repo = Repository(session, REGION)
        again = repo.get_scenario(scenario.id)
        assert list(again.tags) == ["b", "c"]
        assert again.parameters == {"budget_cut": 0.2}
        repo.create_job(scenario.id)
    with db.session() as session:
        repo = Repository(session, REGION)
        assert repo.get_scenario(scenario.id).status == ScenarioStatus.SUBMITTED
        with pytest.raises(Conflict, match="only drafts"):
            repo.update_scenario(scenario.id, name="too late")
        copy = repo.duplicate_scenario(scenario.id)
        assert (copy.status, copy.parent_id) == (ScenarioStatus.DRAFT, scenario.id)
        assert copy.name == "renamed (copy)"
        assert (copy.parameters, list(copy.tags)) == ({"budget_cut": 0.2}, ["b", "c"])
        assert repo.update_scenario(copy.id, name="mine").name == "mine"


def test_search_tags_status_and_dataset_filters(db: Database, small: Instance) -> None:
    one, two = add_dataset(db, small), add_dataset(db, small)
    a = add_scenario(db, one, "Budget cut 10%", description="mild", tags=["cut", "2026"])
    b = add_scenario(db, one, "Budget cut 20%", description="hard", tags=["cut"])
    c = add_scenario(db, two, "Quality first", description="no cut at all_", tags=["quality", "2026"])
    with db.session() as session:
        Repository(session, REGION).create_job(b.id)
    with db.session() as session:
        repo = Repository(session, REGION)

        def ids(**kwargs: object) -> list[str]:
            return [s.id for s in repo.list_scenarios(**kwargs).items]

        assert ids() == [c.id, b.id, a.id]
        assert ids(q="budget CUT") == [b.id, a.id]
        assert ids(q="cut") == [c.id, b.id, a.id]  # description matches too
        assert ids(q="10%") == [a.id]  # % is matched literally
        assert ids(q="all_") == [c.id]
        assert ids(tags=["2026"]) == [c.id, a.id]
        assert ids(tags=["cut", "2026"]) == [a.id]
        assert ids(tags=["none"]) == []
        assert ids(status="submitted") == [b.id]
        assert ids(status="draft", dataset_id=one.id) == [a.id]
        page = repo.list_scenarios(q="cut", per_page=2, page=2)
        assert (page.total, [s.id for s in page.items]) == (3, [a.id])


def test_deleting_a_scenario_removes_its_finished_jobs_and_keeps_its_copies(db: Database,
                                                                            small: Instance) -> None:
    dataset = add_dataset(db, small)
    scenario = add_scenario(db, dataset)
    with db.session() as session:
        repo = Repository(session, REGION)
        job, _ = repo.create_job(scenario.id)
        copy = repo.duplicate_scenario(scenario.id, "copy")
    with db.session() as session, pytest.raises(Conflict, match="queued or running"):
        Repository(session, REGION).delete_scenario(scenario.id)
    with db.session() as session:
        repo = Repository(session, REGION)
        repo.request_cancel(job.id)
        repo.delete_scenario(scenario.id)
    with db.session() as session:
        repo = Repository(session, REGION)
        with pytest.raises(NotFound):
            repo.get_job(job.id)
        assert repo.get_scenario(copy.id).parent_id is None
        assert [s.id for s in repo.list_scenarios().items] == [copy.id]


def test_dataset_instance_is_read_from_the_database_once_per_process(db: Database, small: Instance) -> None:
    unique = small.with_scenario(time_limit_s=10 + uuid.uuid4().int % 100_000)  # in no cache yet
    stored = add_dataset(db, unique)
    statements: list[str] = []

    def seen(_connection, _cursor, statement: str, *_args: object) -> None:
        statements.append(statement)

    def instance_read() -> tuple[Instance, list[str]]:
        statements.clear()
        with db.read_session() as session:
            instance = Repository(session, REGION).dataset_instance(stored)
        return instance, [s for s in statements if "content" in s]

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        first, first_reads = instance_read()
        second, second_reads = instance_read()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(first_reads) == 1
    assert second_reads == []
    assert second is first
    assert first.sha256 == unique.sha256 == stored.sha256


def test_dataset_content_is_gzip_json(db: Database) -> None:
    drenthe = load("drenthe")
    stored = add_dataset(db, drenthe)
    with db.session() as session:
        raw = session.get(Dataset, stored.id).content
    assert raw[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(raw))["scenario"] == json.loads(
        json.dumps(drenthe.scenario.model_dump(mode="json", exclude_none=True)))


def test_a_failed_transaction_stores_nothing(db: Database, small: Instance) -> None:
    def interrupted_upload() -> None:
        with db.session() as session:
            Repository(session, REGION).add_dataset("half", "json", small)
            raise RuntimeError("upload interrupted")

    with pytest.raises(RuntimeError, match="upload interrupted"):
        interrupted_upload()
    with db.session() as session:
        assert Repository(session, REGION).list_datasets().total == 0
