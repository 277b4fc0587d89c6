"""The scenario form round-trips every lever of the model (typed the Dutch or the English way), shows
each refusal next to its input, rejects forged posts, edits drafts only, duplicates; the list finds
scenarios by text, status, dataset and tags."""

from __future__ import annotations

from typing import Any

import pytest

from budgetopt.scenario.params import Scenario
from tests.pages.steps import Form, dataset_id, post, run, scenario, submit, text_of, token
from tests.web.steps import upload

# Every lever set away from the Drenthe scenario, as typed in Dutch, and the parameters it means.
DUTCH_FORM = {
    "budget_mode": "eur", "budget_eur": "150.000.000", "budget_cut": "", "objective": "min_cost",
    "demand_growth": "2,5", "price_index": "1,03", "step_down_share": "", "step_down_share.3": "20",
    "step_down_share.4": "10", "max_step_down_levels": "2", "quality_floor": "0,6",
    "continuity_max_moved_share": "25", "alliance_revenue_floor": "10", "out_of_home_max_share": "12,5",
    "residential_max_share_of_out_of_home": "40", "max_provider_share": "60",
    "municipality_budget_tolerance": "5", "allow_waiting_list": "on", "waiting_list_penalty_eur": "250.000",
    "max_providers_per_need": "4", "min_contract_children": "10", "contract_cost_eur": "5000",
    "time_limit_s": "30", "mip_gap": "0,5",
}
EXPECTED = {
    "budget_eur": 150_000_000.0, "budget_cut": None, "objective": "min_cost", "demand_growth": 0.025,
    "price_index": 1.03, "step_down_share": {"3": 0.2, "4": 0.1}, "max_step_down_levels": 2,
    "quality_floor": 0.6, "continuity_max_moved_share": 0.25, "alliance_revenue_floor": 0.1,
    "out_of_home_max_share": 0.125, "residential_max_share_of_out_of_home": 0.4, "max_provider_share": 0.6,
    "municipality_budget_tolerance": 0.05, "enforce_capacity": False, "allow_waiting_list": True,
    "waiting_list_penalty_eur": 250_000.0, "max_providers_per_need": 4, "min_contract_children": 10.0,
    "contract_cost_eur": 5000.0, "time_limit_s": 30.0, "mip_gap": 0.005,
}


def _form(client, url: str) -> Form:
    response = client.get(url)
    assert response.status_code == 200
    return Form(response.get_data(as_text=True))


def _posted(form: Form) -> dict[str, Any]:
    """The form as a browser would send it back unchanged."""
    data: dict[str, Any] = dict(form.values)
    for item in form.checked:
        name, value = item.split("=", 1)
        data[name] = value
    return data


def test_every_lever_of_the_model_is_on_the_form():
    shown = set(EXPECTED) | {"name", "description"}
    assert shown == set(Scenario.model_fields)


def test_the_form_round_trips_every_lever(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    new = _form(client, f"/scenarios/new?dataset={data}")
    assert new.values["name"] == "drenthe-cut-15"
    assert "budget_mode=cut" in new.checked
    assert new.values["budget_cut"] == "15"
    assert new.values["quality_floor"] == "0,65"
    assert new.values["objective"] == "min_disruption"
    assert "enforce_capacity=on" in new.checked
    response = post(client, "/scenarios/new", {**DUTCH_FORM, "dataset_id": data, "name": "alle knoppen",
                                               "description": "elke hendel", "tags": "test, inkoop"})
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:3000]
    scenario_id = response.headers["Location"].rsplit("/", 1)[1]
    stored = client.get(f"/api/v1/scenarios/{scenario_id}").json
    assert stored["parameters"] == EXPECTED
    assert stored["name"] == "alle knoppen"
    assert stored["tags"] == ["inkoop", "test"]
    assert stored["description"] == "elke hendel"

    shown = _form(client, f"/scenarios/{scenario_id}")
    assert shown.values["budget_eur"] == "150000000"
    assert shown.values["demand_growth"] == "2,5"
    assert shown.values["step_down_share.3"] == "20"
    assert shown.values["step_down_share"] == ""
    assert "allow_waiting_list=on" in shown.checked
    assert "enforce_capacity=on" not in shown.checked
    saved = post(client, f"/scenarios/{scenario_id}", _posted(shown))
    assert saved.status_code == 303
    assert client.get(f"/api/v1/scenarios/{scenario_id}").json["parameters"] == EXPECTED

    english = _form(client, f"/scenarios/{scenario_id}?lang=en")
    assert english.values["demand_growth"] == "2.5"
    assert english.values["quality_floor"] == "0.6"
    english_post = {**_posted(english), "budget_eur": "150,000,000.00", "mip_gap": "0.5"}
    assert post(client, f"/scenarios/{scenario_id}", english_post).status_code == 303
    assert client.get(f"/api/v1/scenarios/{scenario_id}").json["parameters"] == EXPECTED


def test_unchanged_dataset_values_store_no_parameters_and_levers_switch_off(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    unchanged = _posted(_form(client, f"/scenarios/new?dataset={data}"))
    response = post(client, "/scenarios/new", {**unchanged, "name": "zoals de dataset"})
    scenario_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/scenarios/{scenario_id}").json["parameters"] == {}
    off = {**unchanged, "quality_floor": "", "budget_mode": "none"}
    assert post(client, f"/scenarios/{scenario_id}", off).status_code == 303
    parameters = client.get(f"/api/v1/scenarios/{scenario_id}").json["parameters"]
    assert parameters == {"quality_floor": None, "budget_cut": None}


def test_refusals_stand_next_to_their_inputs_and_nothing_is_stored(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    form = _posted(_form(client, f"/scenarios/new?dataset={data}"))
    bad = {**form, "name": "", "quality_floor": "1,5", "continuity_max_moved_share": "veel",
           "time_limit_s": "0", "step_down_share": "30", "step_down_share.2": "10"}
    response = post(client, "/scenarios/new", bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = Form(html)
    for name in ("name", "quality_floor", "continuity_max_moved_share", "step_down_share"):
        control = next(c for c in page.controls if c.get("id") == name)
        assert control.get("aria-invalid") == "true", name
        assert f"{name}-error" in str(control.get("aria-describedby")).split(), name
        assert f'id="{name}-error"' in html
    text = text_of(html)
    assert "Geef het scenario een naam." in text
    assert "Vul een getal in, bijvoorbeeld 12,5." in text
    assert page.values["continuity_max_moved_share"] == "veel", "what was typed is kept"
    assert client.get("/api/v1/scenarios").json["total"] == 0

    bounds = {**form, "quality_floor": "1,5", "time_limit_s": "0"}
    response = post(client, "/scenarios/new", bounds)
    text = text_of(response.get_data(as_text=True))
    assert "Hoogstens 1." in text
    assert "Meer dan 0." in text
    assert client.get("/api/v1/scenarios").json["total"] == 0


def test_a_forged_post_is_rejected(client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    form = _posted(_form(client, f"/scenarios/new?dataset={data}"))
    form.pop("csrf_token")
    for forged in ({}, {"csrf_token": "forged"}):
        response = client.post("/scenarios/new", data={**form, **forged, "name": "vals"})
        assert response.status_code == 400
        assert "Het formulier is verlopen" in response.get_data(as_text=True)
    other = client.application.test_client()
    response = other.post("/scenarios/new", data={**form, "name": "vals", "csrf_token": token(client)})
    assert response.status_code == 400, "a token of another session is refused"
    assert client.get("/api/v1/scenarios").json["total"] == 0
    api = upload(client, drenthe_zip)
    assert api.status_code == 201, "the JSON API needs no token"


def test_only_drafts_can_be_edited_and_duplicates_are_drafts(app, client, drenthe_zip):
    data = dataset_id(client, drenthe_zip)
    original = scenario(client, data, "origineel", budget_cut=0.12)
    patched = client.patch(f"/api/v1/scenarios/{original['id']}", json={"tags": ["a"]})
    assert patched.status_code == 200
    job = submit(client, original["id"])
    run(app, job)
    form = _form(client, f"/scenarios/{original['id']}")
    readonly = next(c for c in form.controls if c.get("name") == "quality_floor")
    assert "readonly" in readonly
    response = post(client, f"/scenarios/{original['id']}", {**_posted(form), "quality_floor": "0,5"})
    assert response.status_code == 409
    assert "kopie" in text_of(response.get_data(as_text=True))
    assert client.get(f"/api/v1/scenarios/{original['id']}").json["parameters"] == {"budget_cut": 0.12}

    response = post(client, f"/scenarios/{original['id']}/duplicate")
    assert response.status_code == 303
    copy_id = response.headers["Location"].rsplit("/", 1)[1]
    copy = client.get(f"/api/v1/scenarios/{copy_id}").json
    assert copy["status"] == "draft"
    assert copy["parent_id"] == original["id"]
    assert copy["parameters"] == {"budget_cut": 0.12}
    assert copy["tags"] == ["a"]
    edit = _form(client, f"/scenarios/{copy_id}")
    assert post(client, f"/scenarios/{copy_id}", {**_posted(edit), "budget_cut": "20"}).status_code == 303
    assert client.get(f"/api/v1/scenarios/{copy_id}").json["parameters"] == {"budget_cut": 0.2}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_list_searches_filters_and_shows_tags(client, drenthe_zip, language):
    client.get(f"/?lang={language}")
    first = dataset_id(client, drenthe_zip, name="eerste")
    second = dataset_id(client, drenthe_zip, name="tweede")
    a = client.post("/api/v1/scenarios", json={"dataset_id": first, "name": "Bezuiniging A",
                                               "description": "krimp", "tags": ["2027", "krimp"]}).json
    b = client.post("/api/v1/scenarios", json={"dataset_id": second, "name": "Groei B",
                                               "tags": ["2027"]}).json
    c = client.post("/api/v1/scenarios", json={"dataset_id": first, "name": "Ander C"}).json
    client.post(f"/api/v1/scenarios/{c['id']}/jobs", json={})

    def names(query: str) -> set[str]:
        html = client.get(f"/scenarios?{query}").get_data(as_text=True)
        return {n for n in ("Bezuiniging A", "Groei B", "Ander C") if f">{n}</a>" in html}

    assert names("") == {"Bezuiniging A", "Groei B", "Ander C"}
    assert names("q=KRIMP") == {"Bezuiniging A"}
    assert names("tag=2027") == {"Bezuiniging A", "Groei B"}
    assert names("tag=2027,krimp") == {"Bezuiniging A"}
    assert names("status=submitted") == {"Ander C"}
    assert names("status=draft") == {"Bezuiniging A", "Groei B"}
    assert names(f"dataset={second}") == {"Groei B"}
    assert names(f"dataset={first}&status=draft&q=bezuiniging") == {"Bezuiniging A"}
    html = client.get("/scenarios?tag=krimp").get_data(as_text=True)
    assert 'href="/scenarios?tag=krimp"' in html
    assert 'href="/scenarios?tag=2027"' in html
    found = "1 scenario gevonden." if language == "nl" else "1 scenario found."
    assert found in text_of(html)
    assert a["id"] in html
    assert b["id"] not in html
