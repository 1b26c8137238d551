"""CAP references and identifiers resolve only within the caller's subtree: another
county's commander can neither cancel or supersede a warning it cannot read, nor learn of
it by posting a copy (identical or not)."""

from __future__ import annotations

from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, token_for
from tests.interop_fixtures import foreign_alert

SENDER = "qx.heilongjiang.gov.cn"
AIHUI = "231102"
REFERENCE = f"{SENDER},HLJ-QX-2026-0042,2026-06-01T08:00:00+08:00"


async def post_cap(client, token: str, body: bytes):
    headers = {**bearer(token), "Content-Type": "application/cap+xml"}
    return await client.post("/api/cap", content=body, headers=headers)


async def _hidden_warning(app, client) -> tuple[dict, str, str]:
    aihui = await token_for(app, AIHUI, "commander")
    xunke = await token_for(app, SIBLING_COUNTY, "commander")
    created = await post_cap(client, aihui, foreign_alert())
    assert created.status_code == 201, created.text
    hidden = await client.get(f"/api/warnings/{created.json()['id']}", headers=bearer(xunke))
    assert hidden.status_code == 403
    return created.json(), aihui, xunke


async def test_a_cancel_from_another_subtree_leaves_the_warning_alone(app, client):
    warning, aihui, xunke = await _hidden_warning(app, client)
    for msg_type, identifier in (("Cancel", "X-9"), ("Update", "U-9")):
        alert = foreign_alert(identifier=identifier, msg_type=msg_type, references=REFERENCE)
        response = await post_cap(client, xunke, alert)
        assert response.status_code == 201, response.text
    still = (await client.get(f"/api/warnings/{warning['id']}", headers=bearer(aihui))).json()
    assert (still["state"], still["replaced_by"]) == ("active", None)


async def test_an_update_in_the_own_subtree_still_supersedes(app, client):
    warning, aihui, _ = await _hidden_warning(app, client)
    update = foreign_alert(identifier="U-1", msg_type="Update", references=REFERENCE)
    assert (await post_cap(client, aihui, update)).status_code == 201
    after = (await client.get(f"/api/warnings/{warning['id']}", headers=bearer(aihui))).json()
    assert after["state"] == "superseded"


async def test_copies_of_a_hidden_warning_answer_alike(app, client):
    warning, aihui, xunke = await _hidden_warning(app, client)
    identical = await post_cap(client, xunke, foreign_alert())
    different = await post_cap(client, xunke, foreign_alert(severity="Minor"))
    assert identical.status_code == different.status_code == 409
    assert identical.json() == different.json()
    assert identical.json()["error"]["code"] == "cap_identifier_taken"
    assert str(warning["id"]) not in identical.text and "爱辉" not in identical.text
    # The receiving subtree still gets its copy back as a repeat.
    again = await post_cap(client, aihui, foreign_alert())
    assert again.status_code == 200 and again.json()["id"] == warning["id"]
