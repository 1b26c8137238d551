"""GET /api/cap/feed.atom: the current CAP alerts of a subtree as Atom, each entry's
embedded alert valid against the official CAP 1.2 schema."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree
from sqlalchemy import update

from command.db import utcnow
from command.incidents.models import Incident
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, create, patch, token_for
from tests.interop_fixtures import NS, atom_schema, row_counts, text, valid_cap

FEED = "/api/cap/feed.atom"


async def _feed(client, token: str, **params) -> etree._Element:
    response = await client.get(FEED, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml"
    feed = etree.fromstring(response.content)
    atom_schema().validate(feed)
    assert text(feed, "atom:updated") and text(feed, "atom:id").startswith("http://test/api/cap")
    return feed


def _alerts(feed: etree._Element) -> dict[int, etree._Element]:
    """{incident id: embedded alert}, each validated against the CAP schema and spec."""
    found = {}
    for entry in feed.iterfind("atom:entry", NS):
        [alert] = entry.find("atom:content", NS)
        alert = valid_cap(etree.tostring(alert))
        assert text(entry, "atom:updated") == text(alert, "cap:sent")
        incident_id = int(text(entry, "atom:id").rsplit("/", 2)[-2])
        assert text(entry, "atom:id") == f"http://test/api/incidents/{incident_id}/cap"
        found[incident_id] = alert
    return found


async def _close(client, token: str, incident_id: int) -> None:
    for status in ("verified", "closed"):
        assert (await patch(client, token, incident_id, status=status)).is_success


async def test_feed_holds_the_current_alerts_of_the_subtree(app, client, demo):
    open_ = await create(client, demo["reporter"])
    drill = await create(client, demo["commander"], exercise=True, channel="phone")
    xunke = await create(client, demo["commander"], unit="231123001", channel="phone")
    closed = await create(client, demo["reporter"])
    await _close(client, demo["commander"], closed["id"])
    long_closed = await create(client, demo["reporter"])
    await _close(client, demo["commander"], long_closed["id"])
    async with app.state.db.write() as session:
        await session.execute(
            update(Incident)
            .where(Incident.id == long_closed["id"])
            .values(closed_at=utcnow() - timedelta(days=2))
        )
    alerts = _alerts(await _feed(client, demo["display"]))
    assert set(alerts) == {open_["id"], drill["id"], xunke["id"], closed["id"]}
    assert text(alerts[closed["id"]], "cap:msgType") == "Cancel"
    assert text(alerts[drill["id"]], "cap:status") == "Exercise"
    real = _alerts(await _feed(client, demo["display"], exercise="false"))
    assert drill["id"] not in real and open_["id"] in real
    aihui = _alerts(await _feed(client, demo["display"], unit="231102"))
    assert set(aihui) == {open_["id"], drill["id"], closed["id"]}
    county = await token_for(app, SIBLING_COUNTY, "display")
    assert set(_alerts(await _feed(client, county))) == {xunke["id"]}
    empty = await _feed(client, county, exercise="true")
    assert empty.find("atom:entry", NS) is None


async def test_feed_refusals_write_nothing(app, client, demo):
    before = await row_counts(app)
    county = await token_for(app, SIBLING_COUNTY, "display")
    cases = [
        ({}, None, 401),
        ({"unit": "231102"}, county, 403),
        ({"unit": "nowhere"}, demo["display"], 422),
        ({"exercise": "perhaps"}, demo["display"], 422),
        ({"page": "2"}, demo["display"], 422),
    ]
    for params, token, status in cases:
        headers = bearer(token) if token else {}
        response = await client.get(FEED, params=params, headers=headers)
        assert response.status_code == status, (params, response.text)
        assert response.json()["error"]["message"]
    assert await row_counts(app) == before
