"""The example the service starts with: the Drenthe region and a draft scenario at a 15 % cut."""

from __future__ import annotations

from pathlib import Path

from budgetopt.settings import Settings
from budgetopt.storage import Database, Repository

MODELS = Path(__file__).resolve().parents[3] / "models"
DEMO_REGION = "drenthe"
DEMO_DATASET = "Drenthe (example)"
DEMO_SCENARIO = "Drenthe 15 % cut"


def load_demo(database: Database, settings: Settings, models: Path = MODELS) -> str | None:
    """Store the Drenthe dataset and a draft scenario when the region has no dataset yet; the
    scenario id, or None when there was data already."""
    from budgetopt.scenario.io import load_instance

    with database.session() as session:
        repo = Repository(session, settings.default_region)
        if repo.list_datasets(page=1, per_page=1).total:
            return None
        instance = load_instance(models / DEMO_REGION)
        dataset = repo.add_dataset(DEMO_DATASET, "csv-zip", instance)
        scenario = repo.add_scenario(
            dataset.id, DEMO_SCENARIO, {"budget_cut": 0.15},
            description="Close a 15 % budget gap while changing as little as possible for children.",
            tags=["example"])
        return scenario.id
