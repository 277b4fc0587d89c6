"""Result, frontier and comparison pages show the figures the API returns, formatted the Dutch way
(€ 1.234.567, 12,5 %); binding rules and the infeasibility diagnosis in words; cancel from the page."""

from __future__ import annotations

import pytest

from budgetopt.web.pages import formatting
from tests.pages.steps import dataset_id, post, run, scenario, submit, text_of


def money(value, lang, digits=0) -> str:
    """As the page shows it, spaces made plain (Dutch amounts keep € and number together: no-break space)."""
    return formatting.money(value, lang, digits).replace("\xa0", " ")


def number(value, lang, digits=0) -> str:
    return formatting.number(value, lang, digits).replace("\xa0", " ")


def percent(value, lang) -> str:
    return formatting.percent(value, lang).replace("\xa0", " ")


@pytest.fixture
def solved(app, client, drenthe_zip) -> dict[str, str]:
    """Drenthe at a 15 % and a 10 % cut, both solved (the checker verifies the plans in tests/jobs)."""
    data = dataset_id(client, drenthe_zip)
    first = submit(client, scenario(client, data, "vijftien", budget_cut=0.15)["id"])
    second = submit(client, scenario(client, data, "tien", budget_cut=0.10)["id"])
    assert run(app, first) == "succeeded"
    assert run(app, second) == "succeeded"
    return {"dataset": data, "first": first, "second": second}


def test_dutch_formats():
    assert formatting.money(1234.56, "nl", 2) == "€\xa01.234,56"
    assert money(1234.56, "nl", 2) == "€ 1.234,56"
    assert money(-1234567.4, "nl") == "€ -1.234.567"
    assert money(1234.56, "en", 2) == "€1,234.56"
    assert percent(0.153, "nl") == "15,3%"
    assert number(14500.25, "nl", 1) in ("14.500,2", "14.500,3")
    assert money(None, "nl") == "–"
    assert money("not a number", "nl") == "–"


def test_result_page_shows_the_api_figures_in_dutch(client, solved):
    job = solved["first"]
    kpis = client.get(f"/api/v1/jobs/{job}/result").json["kpis"]
    page = text_of(client.get(f"/jobs/{job}").get_data(as_text=True))
    assert money(kpis["total_cost_eur"], "nl") in page
    assert money(kpis["baseline_cost_eur"], "nl") in page
    assert money(kpis["saving_eur"], "nl") in page
    assert f"Gemiddelde kwaliteit {number(kpis['average_quality'], 'nl', 3)}" in page
    assert f"Kinderen lichter geholpen {number(kpis['children_stepped_down'], 'nl')}" in page
    assert f"Aandeel in zorg met verblijf {percent(kpis['out_of_home_share'], 'nl')}" in page
    assert "€ 1" in page
    assert "optimaal plan" in page
    assert "Regels die het plan begrenzen" in page
    assert "regionaal budget" in page
    assert "kinderen minder verplaatst of lichter geholpen" in page
    html = client.get(f"/jobs/{job}").get_data(as_text=True)
    for link in (f"/api/v1/jobs/{job}/report.pdf?lang=nl", f"/api/v1/jobs/{job}/export.xlsx?lang=nl",
                 f"/api/v1/jobs/{job}/export.zip", f"/jobs/{job}/report",
                 f"/api/v1/jobs/{job}/result/allocation.csv"):
        assert f'href="{link}"' in html
    municipality = client.get(f"/api/v1/jobs/{job}/result/result.json").json["summaries"]["municipality"][0]
    assert f"{municipality['name']} {number(municipality['children'], 'nl')}" in page
    report = client.get(f"/jobs/{job}/report")
    assert report.status_code == 200
    assert money(kpis["total_cost_eur"], "nl") in text_of(report.get_data(as_text=True))
    english = text_of(client.get(f"/jobs/{job}?lang=en").get_data(as_text=True))
    assert money(kpis["total_cost_eur"], "en") in english
    assert "Rules that limit the plan" in english


def test_compare_page_shows_the_api_comparison(client, solved):
    first, second = solved["first"], solved["second"]
    api = client.post("/api/v1/comparisons", json={"job_ids": [first, second], "baseline": "dataset"}).json
    response = client.get(f"/compare?jobs={first},{second}")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert "vijftien" in page
    assert "tien" in page
    for run_ in api["runs"]:
        assert money(run_["kpis"]["total_cost_eur"], "nl") in page
        saving = run_["deltas"]["total_cost_eur"]
        assert saving < 0
        assert f"verschil: -{money(-saving, 'nl')}" in page
    shift = api["runs"][0]["deltas"]["out_of_home_share"]
    assert shift < -0.001
    assert f"verschil: -{number(-shift * 100, 'nl', 1)} procentpunt" in page
    for run_ in api["runs"]:
        assert percent(run_["kpis"]["gap_closed_share"], "nl") in page
    assert money(api["baseline"]["kpis"]["total_cost_eur"], "nl") in page
    against = client.post("/api/v1/comparisons", json={"job_ids": [first, second], "baseline": first}).json
    page = text_of(client.get(f"/compare?jobs={first}&jobs={second}&baseline={first}").get_data(as_text=True))
    assert against["runs"][0]["deltas"]["total_cost_eur"] == 0
    assert "+" + money(against["runs"][1]["deltas"]["total_cost_eur"], "nl") in page
    too_few = client.get(f"/compare?jobs={first}")
    assert too_few.status_code == 422
    assert "Kies 2 tot 5 berekeningen." in too_few.get_data(as_text=True)


def test_infeasible_run_explains_itself(app, client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    job = submit(client, scenario(client, data, "te diep", budget_cut=0.6)["id"])
    run(app, job)
    diagnosis = client.get(f"/api/v1/jobs/{job}/result").json["diagnosis"]
    page = text_of(client.get(f"/jobs/{job}").get_data(as_text=True))
    assert "Waarom er geen plan is" in page
    assert "geen plan voldoet aan alle regels" in page
    assert money(diagnosis["minimal_budget_eur"], "nl") in page
    assert "omzetgarantie van de alliantie-aanbieders" in page
    assert "alleen deze regel versoepelen is genoeg" in page


@pytest.mark.slow
def test_frontier_page_lists_every_point(app, client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    job = submit(client, scenario(client, data, "curve")["id"], "frontier",
                 {"points": "3", "low": "85", "high": "100"})
    assert client.get(f"/api/v1/jobs/{job}").json["options"]["points"] == 3
    run(app, job)
    points = client.get(f"/api/v1/jobs/{job}/result/frontier").json["points"]
    page = text_of(client.get(f"/jobs/{job}").get_data(as_text=True))
    assert len(points) == 3
    assert "Budgetcurve" in page
    for point in points:
        assert money(point["budget_eur"], "nl") in page


def test_frontier_form_refuses_bad_ranges(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    scenario_id = scenario(client, data)["id"]
    response = post(client, f"/scenarios/{scenario_id}/frontier", {"points": "1", "low": "100", "high": "90"})
    assert response.status_code == 422
    assert "Tussen 2 en 50 punten." in text_of(response.get_data(as_text=True))
    assert client.get(f"/api/v1/jobs?scenario_id={scenario_id}").json["total"] == 0


def test_cancel_from_the_progress_page(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    job = submit(client, scenario(client, data)["id"])
    page = text_of(client.get(f"/jobs/{job}").get_data(as_text=True))
    assert "Voortgang" in page
    assert "in de wachtrij" in page
    assert "Annuleren" in page
    response = post(client, f"/jobs/{job}/cancel")
    assert response.status_code == 303
    assert client.get(f"/api/v1/jobs/{job}").json["status"] == "cancelled"
    assert "geannuleerd" in text_of(client.get(f"/jobs/{job}").get_data(as_text=True))
