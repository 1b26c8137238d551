"""The year-end assessment: a county's computed score matches a hand count of a fixture
year, every computed point leads to its records, on both databases."""

from __future__ import annotations

from tests.assessment_fixtures import COUNTY, YEAR, fixture_year
from tests.conftest import bearer


def _points(card: dict) -> dict[str, dict]:
    return {p["indicator"]: p for p in card["points"]}


async def _card(client, demo, unit: str = COUNTY, year: int = YEAR) -> dict:
    response = await client.get(
        "/api/assessment/scorecards",
        params={"year": year, "unit": "231100"},
        headers=bearer(demo["commander"]),
    )
    assert response.status_code == 200, response.text
    cards = {card["unit"]: card for card in response.json()["items"]}
    return cards[unit]


async def test_a_county_score_matches_the_hand_count(app, client, demo):
    fixture = await fixture_year(app)
    card = await _card(client, demo)
    points = _points(card)

    reporting = points["duty.reporting"]
    assert reporting["source"] == "computed"
    assert reporting["measure"]["counts"] == {"late": 1, "missed": 1, "concealed": 1}
    assert reporting["points"] == 10 - 1 - 3 - 4
    by_fault = {r["fault"]: r for r in reporting["records"]}
    assert by_fault["missed"]["id"] == fixture["missed"]
    assert by_fault["missed"]["incident"] == fixture["incident_a"]
    assert by_fault["missed"]["points"] == -3
    assert by_fault["late"]["id"] == fixture["late"] and by_fault["late"]["points"] == -1
    assert by_fault["concealed"]["id"] == fixture["concealed"]
    assert by_fault["concealed"]["incident"] == fixture["incident_b"]

    watch = points["duty.watch"]
    assert watch["points"] == 5 - 2
    assert sorted(r["id"] for r in watch["records"]) == sorted(fixture["absent"])

    tasks = points["tasks.instructions"]
    assert tasks["points"] == 10 - 2 * 2
    assert sorted(r["id"] for r in tasks["records"]) == sorted(fixture["undone"])

    drills = points["drills.special"]
    assert drills["measure"]["plans"] == 3 and drills["measure"]["drilled"] == 2
    assert drills["points"] == 3  # 67 % ≥ 60 %
    undrilled = [r["id"] for r in drills["records"] if not r["drilled"]]
    assert undrilled == [fixture["specials"][2]]

    coverage = points["plans.coverage"]
    assert coverage["measure"]["required"] == fixture["required"]
    assert coverage["measure"]["covered"] == fixture["covered"]
    expected_coverage = round(10 * fixture["covered"] / fixture["required"], 1)
    assert coverage["points"] == expected_coverage
    assert len(coverage["records"]) == fixture["required"] - fixture["covered"]

    review = points["review.reports"]  # no evaluation fell due: nothing to deduct
    assert review["points"] == 5 and review["measure"]["share"] is None

    assert all(p["points"] == 0 for p in card["points"] if p["source"] == "pending")
    assert card["total"] == round(2 + 3 + 6 + 3 + expected_coverage + 5, 1)
    assert card["grade"]["code"] == "fail"


async def test_scores_of_another_county_and_year_are_their_own(app, client, demo):
    await fixture_year(app)
    other = _points(await _card(client, demo, unit="231123"))
    assert other["duty.reporting"]["measure"]["counts"] == {"missed": 1, "false_report": 1}
    assert other["duty.reporting"]["points"] == 10 - 3 - 2
    assert other["duty.watch"]["points"] == 4
    earlier = _points(await _card(client, demo, year=2026))
    assert earlier["duty.reporting"]["points"] == 10


async def test_a_year_without_a_cycle_names_the_field(client, demo):
    response = await client.get(
        "/api/assessment/scorecards", params={"year": 2031}, headers=bearer(demo["commander"])
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "query.year"
    response = await client.get("/api/assessment/scorecards", headers=bearer(demo["commander"]))
    assert response.status_code == 422
    assert "year" in response.json()["error"]["details"][0]["field"]


async def test_a_reporter_may_not_read_scorecards(client, demo):
    response = await client.get(
        "/api/assessment/scorecards", params={"year": YEAR}, headers=bearer(demo["reporter"])
    )
    assert response.status_code == 403
