"""The incident log over HTTP: initial reports, follow-ups, final reports, the lifecycle,
listing and GeoJSON, history and events, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from command.events import Event
from command.incidents.schemas import IncidentOut, NamedIncidentOut, ReportOut
from tests.conftest import bearer
from tests.incidents_fixtures import (
    REPORTER_UNIT,
    SIBLING_COUNTY,
    VILLAGE,
    create,
    incident_body,
    iso,
    patch,
    report,
    token_for,
)


async def _events(app, incident_id: int) -> list[Event]:
    async with app.state.db.read() as session:
        query = select(Event).where(
            Event.topic == "incidents", Event.entity == f"incident:{incident_id}"
        )
        query = query.order_by(Event.id)
        return list((await session.scalars(query)).all())


async def test_field_unit_initial_report_creates_the_incident(app, client, demo):
    body = await create(client, demo["reporter"], device_time=iso(-timedelta(hours=3)))
    assert IncidentOut.model_validate(body).model_dump(mode="json").keys() == body.keys()
    assert body["status"] == "reported" and body["level"] == "IV" and body["source"] == "field"
    assert body["unit"] == REPORTER_UNIT and body["unit_path"].endswith(f"/{REPORTER_UNIT}/")
    assert body["casualties"] == {"dead": 0, "missing": 1, "injured": 2}
    assert (body["affected"], body["loss"]) == (40, 12.5)
    [initial] = body["reports"]
    assert ReportOut.model_validate(initial).model_dump(mode="json").keys() == initial.keys()
    assert initial["kind"] == "initial" and initial["seq"] == 0 and initial["channel"] == "written"
    assert initial["received_at"] == body["received_at"] and initial["device_time"]
    assert initial["missing_facts"] == [] and initial["logged_by"] is None
    fetched = await client.get(f"/api/incidents/{body['id']}", headers=bearer(demo["display"]))
    assert fetched.status_code == 200
    read = fetched.json()
    # The read answer is the write's, plus who wrote it by name (auth's subject_names).
    assert NamedIncidentOut.model_validate(read).model_dump(mode="json").keys() == read.keys()
    assert (read.pop("created_by_name"), read.pop("acknowledged_by_name")) == ("demo reporter", "")
    [report] = read["reports"]
    assert (report.pop("submitted_by_name"), report.pop("logged_by_name")) == ("demo reporter", "")
    assert read == body


async def test_learned_at_defaults_to_receipt_and_unstated_figures_stay_null(client, demo):
    body = await create(client, demo["reporter"], learned_at=..., casualties=..., loss=..., type="")
    assert body["learned_at"] == body["received_at"]
    assert body["casualties"] == {"dead": 0, "missing": 0, "injured": 0} and body["loss"] == 0
    initial = body["reports"][0]
    assert initial["casualties"] == {"dead": None, "missing": None, "injured": None}
    assert initial["loss"] is None
    assert "casualties" in initial["missing_facts"]  # decided by the deadline rules


async def test_eight_decimal_coordinates_survive_every_round_trip(client, demo):
    ring = [
        [127.12345678, 50.12345678],
        [127.22345679, 50.12345671],
        [127.22345673, 50.22345677],
        [127.12345678, 50.12345678],
    ]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    created = await create(client, demo["reporter"], geometry=polygon)
    assert created["geometry"] == polygon
    one = await client.get(f"/api/incidents/{created['id']}", headers=bearer(demo["display"]))
    assert one.json()["geometry"] == polygon
    collection = await client.get("/api/incidents.geojson", headers=bearer(demo["display"]))
    assert collection.headers["content-type"].startswith("application/geo+json")
    assert "127.12345678" in collection.text and "50.22345677" in collection.text
    [feature] = json.loads(collection.text)["features"]
    assert feature["geometry"] == polygon and feature["id"] == created["id"]
    assert 127.12 < created["lon"] < 127.23 and 50.12 < created["lat"] < 50.23


async def test_followups_are_numbered_and_update_the_current_figures(app, client, demo):
    incident = await create(client, demo["reporter"])
    first = await report(
        client, demo["reporter"], incident["id"], kind="followup", casualties={"dead": 1}
    )
    second = await report(
        client,
        demo["reporter"],
        incident["id"],
        kind="followup",
        casualties={"missing": 0},
        loss=30,
    )
    assert first.status_code == second.status_code == 201
    assert [first.json()["seq"], second.json()["seq"]] == [1, 2]
    assert first.json()["received_at"] and first.json()["casualties"]["missing"] is None
    current = (
        await client.get(f"/api/incidents/{incident['id']}", headers=bearer(demo["display"]))
    ).json()
    assert current["casualties"] == {"dead": 1, "missing": 0, "injured": 2}
    assert current["loss"] == 30 and current["affected"] == 40
    assert [r["seq"] for r in current["reports"]] == [0, 1, 2]
    history = (
        await client.get(
            f"/api/incidents/{incident['id']}/history", headers=bearer(demo["display"])
        )
    ).json()["items"]
    assert [h["kind"] for h in history] == [
        "incident.created",
        "report.received",
        "report.received",
    ]
    assert history[1]["changes"] == {"dead": {"from": 0, "to": 1}}
    assert history[2]["changes"] == {
        "missing": {"from": 1, "to": 0},
        "loss": {"from": 12.5, "to": 30},
    }
    assert history[2]["report"]["seq"] == 2 and history[2]["actor"].startswith("token:")


async def test_lifecycle_to_closed_then_only_a_final_report(client, demo):
    incident = await create(client, demo["reporter"])
    for status in ("verified", "responding", "stabilized", "closed"):
        response = await patch(client, demo["commander"], incident["id"], status=status)
        assert response.status_code == 200 and response.json()["status"] == status
    closed = response.json()
    assert closed["closed_at"] == closed["updated_at"]
    final = await report(client, demo["reporter"], incident["id"], kind="final", summary="终报")
    assert final.status_code == 201 and final.json()["kind"] == "final"
    again = await patch(client, demo["commander"], incident["id"], status="closed")
    assert again.status_code == 200  # a retried close changes nothing and is not an error


async def test_level_change_and_verified_facts_record_one_event_each(app, client, demo):
    incident = await create(client, demo["reporter"], level=None)
    response = await patch(
        client,
        demo["commander"],
        incident["id"],
        level="II",
        status="verified",
        casualties={"dead": 3},
        summary="核实：3人死亡",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["status"], body["casualties"]["dead"]) == ("II", "verified", 3)
    events = await _events(app, incident["id"])
    kinds = [e.kind for e in events]
    assert kinds == [
        "incident.created",
        "incident.updated",
        "incident.level_changed",
        "incident.status_changed",
    ]
    level_event = events[2]
    assert level_event.payload["changes"] == {"level": {"from": None, "to": "II"}}
    assert level_event.payload["incident"] == body and level_event.topic == "incidents"
    assert level_event.unit_path == body["unit_path"] and level_event.actor.startswith("token:")
    assert events[1].payload["changes"]["dead"] == {"from": 0, "to": 3}
    unchanged = await patch(client, demo["commander"], incident["id"], level="II")
    assert unchanged.status_code == 200 and len(await _events(app, incident["id"])) == 4


async def test_report_event_carries_incident_and_report(app, client, demo):
    incident = await create(client, demo["reporter"])
    response = await report(client, demo["reporter"], incident["id"], kind="followup", affected=90)
    events = await _events(app, incident["id"])
    assert events[0].payload["incident"] == incident
    assert events[0].payload["report"] == incident["reports"][0]
    assert events[-1].kind == "report.received"
    assert events[-1].payload["report"] == response.json()
    assert events[-1].payload["incident"]["affected"] == 90
    assert events[-1].payload["incident"]["reports"][-1] == response.json()


async def test_commander_logs_a_phone_report_for_a_unit(client, demo):
    incident = await create(
        client, demo["commander"], unit=VILLAGE, channel="phone", title="东村山火"
    )
    initial = incident["reports"][0]
    assert initial["unit"] == VILLAGE and initial["channel"] == "phone"
    assert initial["logged_by"] == initial["submitted_by"] and initial["logged_by"]
    followup = await report(
        client, demo["commander"], incident["id"], kind="followup", unit=VILLAGE, channel="phone"
    )
    assert followup.status_code == 201 and followup.json()["logged_by"]
    written = await report(client, demo["commander"], incident["id"], kind="followup", unit=VILLAGE)
    assert written.status_code == 422 and "channel" in written.text


async def test_commander_logs_an_incident_from_another_source(client, demo):
    incident = await create(client, demo["commander"], source="hotline", unit=REPORTER_UNIT)
    assert incident["source"] == "hotline" and incident["reports"] == []
    own = await report(client, demo["reporter"], incident["id"], kind="initial", loss=1)
    assert own.status_code == 201 and "casualties" in own.json()["missing_facts"]
    twice = await report(client, demo["reporter"], incident["id"], kind="initial")
    assert twice.status_code == 409
    by_phone = await report(
        client,
        demo["commander"],
        incident["id"],
        kind="initial",
        unit=REPORTER_UNIT,
        channel="phone",
    )
    assert by_phone.status_code == 201
    reporter_source = await client.post(
        "/api/incidents", json=incident_body(source="media"), headers=bearer(demo["reporter"])
    )
    assert reporter_source.status_code == 403


async def test_superior_files_its_own_initial_report_up_the_chain(app, client, demo):
    incident = await create(client, demo["reporter"])
    county = await token_for(app, "231102", "reporter")
    own = await report(client, county, incident["id"], kind="initial")
    assert own.status_code == 201 and own.json()["unit"] == "231102"
    followup = await report(client, county, incident["id"], kind="followup")
    assert followup.json()["seq"] == 1  # numbered per reporting unit
    village = await token_for(app, VILLAGE, "reporter")
    below = await report(client, village, incident["id"], kind="followup")
    assert below.status_code == 403


async def test_reporters_act_only_for_their_own_unit(app, client, demo):
    elsewhere = await client.post(
        "/api/incidents", json=incident_body(unit=VILLAGE), headers=bearer(demo["reporter"])
    )
    assert elsewhere.status_code == 403
    display = await client.post(
        "/api/incidents", json=incident_body(), headers=bearer(demo["display"])
    )
    assert display.status_code == 403
    incident = await create(client, demo["reporter"])
    for_village = await report(
        client, demo["reporter"], incident["id"], kind="followup", unit=VILLAGE, channel="phone"
    )
    assert for_village.status_code == 403
    no_patch = await patch(client, demo["reporter"], incident["id"], level="III")
    assert no_patch.status_code == 403


async def test_subtrees_bound_reading_and_managing(app, client, demo):
    incident = await create(client, demo["reporter"])
    sibling = await token_for(app, SIBLING_COUNTY, "commander")
    one = await client.get(f"/api/incidents/{incident['id']}", headers=bearer(sibling))
    history = await client.get(f"/api/incidents/{incident['id']}/history", headers=bearer(sibling))
    change = await patch(client, sibling, incident["id"], level="I")
    listed = await client.get("/api/incidents", headers=bearer(sibling))
    outside = await client.get("/api/incidents?unit=231102", headers=bearer(sibling))
    assert one.status_code == history.status_code == change.status_code == 403
    assert listed.json()["total"] == 0 and outside.status_code == 403
    missing = await client.get("/api/incidents/99999", headers=bearer(demo["display"]))
    huge = await client.get(f"/api/incidents/{10**30}", headers=bearer(demo["display"]))
    assert missing.status_code == huge.status_code == 404


async def test_list_filters_and_pagination(app, client, demo):
    fire = await create(client, demo["reporter"])
    drill = await create(client, demo["reporter"], exercise=True, category="natural", level="III")
    sibling = await token_for(app, SIBLING_COUNTY, "reporter")
    flood = await create(
        client,
        sibling,
        unit=SIBLING_COUNTY,
        category="natural",
        level=None,
        occurred_at=iso(-timedelta(days=3)),
        learned_at=iso(-timedelta(days=3)),
    )
    await patch(client, demo["commander"], fire["id"], status="verified")

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/api/incidents?{query}", headers=bearer(demo["display"]))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids("") == [flood["id"], drill["id"], fire["id"]]
    assert await ids("status=verified") == [fire["id"]]
    assert await ids("status=reported,closed") == [flood["id"], drill["id"]]
    assert await ids("level=none") == [flood["id"]]
    assert await ids("level=IV&level=III") == [drill["id"], fire["id"]]
    assert await ids("category=natural&exercise=false") == [flood["id"]]
    assert await ids("exercise=true") == [drill["id"]]
    assert await ids(f"unit={SIBLING_COUNTY}") == [flood["id"]]
    since = iso(-timedelta(days=1)).replace("+", "%2B")
    assert await ids(f"since={since}") == [drill["id"], fire["id"]]
    assert await ids(f"until={since}") == [flood["id"]]
    page = await client.get("/api/incidents?limit=1&offset=1", headers=bearer(demo["display"]))
    assert page.json()["total"] == 3 and [i["id"] for i in page.json()["items"]] == [drill["id"]]
    geo = await client.get("/api/incidents.geojson?exercise=true", headers=bearer(demo["display"]))
    features = geo.json()["features"]
    assert [f["id"] for f in features] == [drill["id"]] and features[0]["properties"]["exercise"]
    reporter_view = await client.get("/api/incidents", headers=bearer(demo["reporter"]))
    assert {i["id"] for i in reporter_view.json()["items"]} == {fire["id"], drill["id"]}


async def test_bad_filters_are_422_naming_the_parameter(client, demo):
    for query, field in [
        ("level=V", "query.level.0"),
        ("status=open", "query.status.0"),
        ("limit=0", "query.limit"),
        ("since=yesterday", "query.since"),
        ("unit=nowhere", "query.unit"),
        ("colour=red", "query.colour"),
    ]:
        response = await client.get(f"/api/incidents?{query}", headers=bearer(demo["display"]))
        assert response.status_code == 422, query
        assert field in {d["field"] for d in response.json()["error"]["details"]}, query


async def test_openapi_describes_the_incident_api(client):
    from openapi_spec_validator import validate

    document = (await client.get("/api/openapi.json")).json()
    validate(document)
    paths = document["paths"]
    assert {"get", "post"} <= paths["/api/incidents"].keys()
    assert {"get", "patch"} <= paths["/api/incidents/{id}"].keys()
    assert "post" in paths["/api/incidents/{id}/reports"]
    assert "get" in paths["/api/incidents/{id}/history"]
    assert (
        "application/geo+json"
        in paths["/api/incidents.geojson"]["get"]["responses"]["200"]["content"]
    )
    schemas = document["components"]["schemas"]
    assert {"IncidentIn", "ReportIn", "IncidentPatch", "IncidentOut", "ReportOut"} <= schemas.keys()
    assert schemas["IncidentIn"]["properties"]["geometry"]
    assert "413" in paths["/api/incidents"]["post"]["responses"]
