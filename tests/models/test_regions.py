"""The shipped example regions: tables consistent, baseline equal to demand, calibration in range."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from budgetopt.scenario.params import Scenario

MODELS = Path(__file__).resolve().parents[2] / "models"
REGIONS = {"drenthe": 12, "twente": 14, "ijsselland": 11}
REQUIRED = ("municipalities", "needs", "levels", "providers", "offers", "access", "demand", "baseline")
CELL = ["municipality_id", "need_id", "level"]
OFFER = ["provider_id", "need_id", "level"]
ID = re.compile(r"^[A-Z][A-Z0-9_]*$")


def read(region: str) -> dict[str, pd.DataFrame]:
    """Every CSV of a region, ids as strings."""
    folder = MODELS / region
    return {
        path.stem: pd.read_csv(
            path, dtype={"municipality_id": str, "provider_id": str, "need_id": str, "region": str}
        )
        for path in sorted(folder.glob("*.csv"))
    }


def baseline_cost(t: dict[str, pd.DataFrame]) -> float:
    """Sum of price x children over the baseline, region price overrides applied."""
    arcs = t["baseline"].merge(t["offers"], on=OFFER, how="left")
    if "price_overrides" in t:
        region = t["municipalities"].set_index("municipality_id")["region"]
        arcs["region"] = arcs["municipality_id"].map(region)
        ov = t["price_overrides"].rename(columns={"cost_eur": "override"})
        arcs = arcs.merge(ov[[*OFFER, "region", "override"]], on=[*OFFER, "region"], how="left")
        arcs["cost_eur"] = arcs["override"].fillna(arcs["cost_eur"])
    return float((arcs["cost_eur"] * arcs["children"]).sum())


@pytest.fixture(params=sorted(REGIONS), name="region")
def _region(request: pytest.FixtureRequest) -> str:
    return request.param


def test_files_and_row_counts(region: str) -> None:
    t = read(region)
    assert set(REQUIRED) <= set(t)
    assert (MODELS / region / "scenario.toml").is_file()
    assert (MODELS / region / "README.md").is_file()
    assert len(t["municipalities"]) == REGIONS[region]
    assert list(t["needs"]["need_id"]) == ["FAM", "GGZ", "LVB"]
    assert list(t["levels"]["level"]) == [1, 2, 3, 4, 5, 6]
    assert len(t["providers"]) >= 15
    assert len(t["demand"]) == REGIONS[region] * 3 * 6
    for name, frame in t.items():
        assert not frame.duplicated().any(), name


def test_ids_are_codes_and_resolve(region: str) -> None:
    t = read(region)
    munis = set(t["municipalities"]["municipality_id"])
    provs = set(t["providers"]["provider_id"])
    needs = set(t["needs"]["need_id"])
    levels = set(t["levels"]["level"])
    assert all(re.fullmatch(r"GM\d{4}", m) for m in munis)
    assert all(ID.match(p) for p in provs)
    assert not t["municipalities"]["municipality_id"].duplicated().any()
    assert not t["providers"]["provider_id"].duplicated().any()
    assert not t["offers"].duplicated(OFFER).any()
    assert set(t["offers"]["provider_id"]) <= provs
    assert set(t["offers"]["need_id"]) <= needs
    assert set(t["offers"]["level"]) <= levels
    assert set(t["access"]["municipality_id"]) <= munis
    assert set(t["access"]["provider_id"]) <= provs
    for name in ("demand", "baseline"):
        assert set(t[name]["municipality_id"]) <= munis
        assert set(t[name]["need_id"]) <= needs
        assert set(t[name]["level"]) <= levels
    offered = t["baseline"].merge(t["offers"][OFFER], on=OFFER, how="left", indicator=True)
    assert (offered["_merge"] == "both").all(), "baseline served by a provider without that offer"
    reach = t["baseline"].merge(
        t["access"], on=["municipality_id", "provider_id"], how="left", indicator=True
    )
    assert (reach["_merge"] == "both").all(), "baseline served by a provider without access"
    if "price_overrides" in t:
        ov = t["price_overrides"]
        assert set(ov["region"]) <= set(t["municipalities"]["region"])
        assert len(ov.merge(t["offers"][OFFER], on=OFFER)) == len(ov)


def test_baseline_equals_demand_per_cell(region: str) -> None:
    t = read(region)
    demand = t["demand"].set_index(CELL)["children"]
    served = t["baseline"].groupby(CELL)["children"].sum().reindex(demand.index, fill_value=0)
    assert (served == demand).all()
    assert (t["baseline"]["children"] > 0).all()
    assert (t["demand"]["children"] == t["demand"]["children"].round()).all()


def test_values_in_range(region: str) -> None:
    t = read(region)
    offers, levels, providers = t["offers"], t["levels"], t["providers"]
    assert offers["quality"].between(0, 1).all()
    assert (offers["cost_eur"] > 0).all()
    assert list(levels.loc[levels["out_of_home"], "level"]) == [5, 6]
    assert list(levels.loc[levels["residential"], "level"]) == [6]
    load = t["baseline"].groupby("provider_id")["children"].sum()
    capacity = providers.set_index("provider_id")["capacity_children"]
    assert (capacity.reindex(load.index) >= 1.1 * load).all(), "capacity without headroom"
    text = (MODELS / region / "providers.csv").read_text(encoding="utf-8")
    assert "True" not in text
    assert "False" not in text


def test_wijkteams_serve_only_their_municipality(region: str) -> None:
    t = read(region)
    teams = t["access"][t["access"]["provider_id"].str.startswith("SYN_WIJKTEAM_")]
    assert teams.groupby("provider_id").size().eq(1).all()
    assert teams["municipality_id"].nunique() == REGIONS[region]


def test_budget_gap_and_alliance(region: str) -> None:
    t = read(region)
    ratio = baseline_cost(t) / t["municipalities"]["budget_eur"].sum()
    assert 1.13 <= ratio <= 1.17
    assert t["providers"]["alliance"].any()
    assert "AMBIQ" in set(t["providers"].loc[t["providers"]["alliance"], "provider_id"])


def test_scenario_is_valid(region: str) -> None:
    with (MODELS / region / "scenario.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    scenario = Scenario.model_validate(raw)
    assert scenario.budget_cut == pytest.approx(0.15)
    assert scenario.objective == "min_disruption"
    assert scenario.step_down_depth == 1
    t = read(region)
    q = t["baseline"].merge(t["offers"], on=OFFER)
    average = (q["quality"] * q["children"]).sum() / q["children"].sum()
    assert scenario.quality_floor is not None
    assert average - 0.05 < scenario.quality_floor < average


def test_drenthe_calibration() -> None:
    t = read("drenthe")
    assert 14_000 <= t["demand"]["children"].sum() <= 15_000
    alliance = set(t["providers"].loc[t["providers"]["alliance"], "provider_id"])
    assert alliance == {"ACCARE", "AMBIQ", "COSIS", "GGZDRENTHE", "YORNEO"}
    assert (~t["providers"]["alliance"]).sum() >= 10
    assert 150e6 <= baseline_cost(t) <= 190e6


def test_twente_price_overrides() -> None:
    t = read("twente")
    assert "price_overrides" in t
    assert set(t["municipalities"]["region"]) == {"TWENTE"}
    assert set(t["price_overrides"]["region"]) == {"TWENTE"}


def load_build_tool() -> ModuleType:
    """``models/tools/build_regions.py`` as a module."""
    spec = importlib.util.spec_from_file_location(
        "budgetopt_build_regions", MODELS / "tools" / "build_regions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


def test_build_script_reproduces_the_shipped_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Re-running the build gives the committed files, and the calibration window holds."""
    tool = load_build_tool()
    assert tool.main(["--out", str(tmp_path)]) == 0, capsys.readouterr().out
    for region in REGIONS:
        shipped = sorted(p.name for p in (MODELS / region).iterdir())
        built = sorted(p.name for p in (tmp_path / region).iterdir())
        assert built == shipped
        for name in built:
            assert (tmp_path / region / name).read_bytes() == (MODELS / region / name).read_bytes(), (
                f"{region}/{name} differs from a fresh build: run models/tools/build_regions.py"
            )


@pytest.mark.skipif(
    importlib.util.find_spec("budgetopt.scenario.io") is None,
    reason="budgetopt.scenario.io (load_instance) is not available yet",
)
def test_load_instance_accepts_every_region(region: str) -> None:
    from budgetopt.scenario.io import load_instance

    instance = load_instance(MODELS / region)
    t = read(region)
    for name in REQUIRED:
        assert len(instance[name]) == len(t[name]), name
    assert instance.scenario.budget_cut == pytest.approx(0.15)
