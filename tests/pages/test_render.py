"""Every page renders in Dutch and English with the right ``<html lang>``, a skip link, a main landmark,
a label for every input and every ``aria-describedby`` pointing at an element of the page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.pages.steps import Form, dataset_id, run, scenario, submit, text_of


@pytest.fixture
def world(lite_app: Any, lite_client: FlaskClient, drenthe_zip: bytes) -> dict[str, str]:
    """A region with a dataset, a draft, a solved scenario, a frontier, an infeasible run and a queued one."""
    client = lite_client
    data = dataset_id(client, drenthe_zip)
    draft = scenario(client, data, "draft")["id"]
    solved = scenario(client, data, "solved")["id"]
    job = submit(client, solved)
    run(lite_app, job)
    second = submit(client, scenario(client, data, "second", budget_cut=0.1)["id"])
    run(lite_app, second)
    frontier = submit(client, scenario(client, data, "frontier")["id"], "frontier",
                      {"points": "3", "low": "85", "high": "100"})
    run(lite_app, frontier)
    infeasible = submit(client, scenario(client, data, "too deep", budget_cut=0.6)["id"])
    run(lite_app, infeasible)
    queued = submit(client, scenario(client, data, "waiting")["id"])
    return {"dataset": data, "draft": draft, "solved": solved, "job": job, "second": second,
            "frontier": frontier, "infeasible": infeasible, "queued": queued}


def _pages(w: dict[str, str]) -> list[str]:
    return [
        "/", "/datasets", f"/datasets/{w['dataset']}", f"/datasets/{w['dataset']}?table=offers&page=2",
        "/scenarios", "/scenarios?q=zzz-nothing", "/scenarios?status=draft&tag=x",
        "/scenarios/new", f"/scenarios/new?dataset={w['dataset']}", f"/scenarios/{w['draft']}",
        f"/scenarios/{w['solved']}", f"/jobs/{w['job']}", f"/jobs/{w['frontier']}",
        f"/jobs/{w['infeasible']}", f"/jobs/{w['job']}/report",
        f"/jobs/{w['queued']}", "/compare", f"/compare?jobs={w['job']},{w['second']}",
        f"/compare?jobs={w['job']}&jobs={w['second']}&baseline={w['job']}", "/toegankelijkheid",
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_renders_accessible_in_both_languages(lite_client, world, language):
    for url in _pages(world):
        response = lite_client.get(url, headers={"Accept-Language": language})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (url, html[:500])
        assert f'<html lang="{language}">' in html, url
        assert '<a class="skip" href="#main">' in html, url
        assert '<main id="main"' in html, url
        form = Form(html)
        assert not form.duplicate_ids, (url, form.duplicate_ids)
        for control in form.controls:
            if control["tag"] == "input" and control.get("type") in ("hidden", "submit"):
                continue
            assert control.get("id") in form.label_for, (url, control)
            for ref in (control.get("aria-describedby") or "").split():
                assert ref in form.ids, (url, control, ref)


def test_language_by_query_cookie_and_header(lite_client):
    assert '<html lang="nl">' in lite_client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in lite_client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    response = lite_client.get("/datasets?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    page = lite_client.get("/scenarios").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Search in name and description" in page
    page = lite_client.get("/scenarios?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Zoeken in naam en omschrijving" in page
    cookie_first = lite_client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in cookie_first


def test_dutch_pages_show_no_english_words(lite_client, world):
    """The Dutch pages carry Dutch headings and buttons (a spot check beside the catalog census)."""
    text = text_of(lite_client.get(f"/scenarios/{world['draft']}?lang=nl").get_data(as_text=True))
    for dutch in ("Budget en doel", "Naar de inhoud", "Dit scenario doorrekenen", "Kopiëren",
                  "Bezuiniging op de kosten van de uitgangssituatie"):
        assert dutch in text
    for english in ("Budget and objective", "Skip to content", "Solve this scenario", "Duplicate"):
        assert english not in text


def test_missing_records_are_pages_not_json(lite_client):
    for url in ("/scenarios/nope", "/jobs/nope", "/datasets/nope", "/jobs/nope/report"):
        response = lite_client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "Niet gevonden" in response.get_data(as_text=True)


def test_progress_page_refreshes_without_script_and_polls_with_it(lite_client, world):
    html = lite_client.get(f"/jobs/{world['queued']}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "/static/pages/progress.js" in html
    assert f'data-job="{world["queued"]}"' in html
    assert 'data-running="true"' in html
    script = lite_client.get("/static/pages/progress.js")
    assert script.status_code == 200
    assert b"/api/v1/jobs/" in script.data
    script.close()
    done = lite_client.get(f"/jobs/{world['job']}").get_data(as_text=True)
    assert "http-equiv" not in done
    assert "progress.js" not in done


def test_forms_over_https_pass_the_csrf_referrer_check(lite_app, drenthe_zip):
    """Over HTTPS Flask-WTF also wants a same-origin Referer: the pages' policy sends it."""
    client = lite_app.test_client()
    page = client.get("/datasets", base_url="https://budgetopt.example")
    assert page.headers["Referrer-Policy"] == "same-origin"
    csrf = Form(page.get_data(as_text=True)).values["csrf_token"]
    response = client.post("/datasets", base_url="https://budgetopt.example",
                           headers={"Referer": "https://budgetopt.example/datasets"},
                           data={"csrf_token": csrf, "file": (io.BytesIO(drenthe_zip), "d.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert client.get("/api/v1/datasets", base_url="https://budgetopt.example").json["total"] == 1


def test_templates_download(lite_client):
    xlsx = lite_client.get("/template.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.data[:2] == b"PK"
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    archive = lite_client.get("/template.zip")
    assert archive.status_code == 200
    assert archive.mimetype == "application/zip"
