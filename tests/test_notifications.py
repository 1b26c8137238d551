"""Reminders and escalation with real peers on loopback: an aiosmtpd mail server and a
local HTTP server for the webhook, on both databases. The deadline engine and the
notification worker are driven by the tests (passes at chosen instants)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes, policy

import httpx
import pytest
from aiosmtpd.controller import Controller

from command.notify import worker
from command.notify.sender import ack_token
from tests.conftest import bearer
from tests.deadlines_fixtures import (
    COUNTY,
    T0,
    TOWNSHIP,
    VILLAGE,
    create_incident,
    deadline_app,
    minutes,
    run_engine,
)
from tests.servers import free_port, webhook_server


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.messages if address in rcpt]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list, int]]:
    server, received = webhook_server()
    yield received, server.server_address[1]
    server.shutdown()


async def _city_leader_on_duty(client, commander: dict) -> None:
    """A city shift on now whose 带班领导 reads mail at leader@heihe.example."""
    from tests.duty_fixtures import shift_body

    leader = {"name": "张副市长", "phone": "13900000001", "email": "leader@heihe.example"}
    shift = await client.post(
        "/api/duty/shifts", json=shift_body(-1, 11, leader=leader), headers=commander
    )
    assert shift.status_code == 201, shift.text


async def _contacts(client, demo, code: str, contacts: list[dict]) -> None:
    response = await client.patch(
        f"/api/units/{code}", json={"contacts": contacts}, headers=bearer(demo["admin"])
    )
    assert response.status_code == 200, response.text


async def _deliveries(client, demo, **query) -> list[dict]:
    response = await client.get(
        "/api/notifications", params=query, headers=bearer(demo["commander"])
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_reminder_at_warn_at_and_an_escalation_at_due_at(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
        await worker.run_once(app)  # the worker starts at the end of the log
        incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
        # The township owes the county its initial report by phone within 1 h: the
        # warning comes at three quarters of it.
        await run_engine(app, T0 + minutes(50))
        derived, sent = await worker.run_once(app)
        assert sent >= 1 and derived == sent
        reminders = box.to("duty@town.example")
        assert len(reminders) == 1
        subject = str(reminders[0]["subject"])
        assert subject.startswith("【报送提醒】测试事件") and "初报（电话）" in subject
        body = reminders[0].get_body(("plain",)).get_content()
        assert "爱辉区" in body and "/n/" in body
        assert "事件「测试事件」的初报（电话）应于" in body and "请及时报送" in body
        assert box.to("duty@county.example") == []

        # Due: the township again, and the county it owes (its superior).
        await run_engine(app, T0 + minutes(61))
        await worker.run_once(app)
        overdue = [m for m in box.to("duty@county.example") if "超时未报" in str(m["subject"])]
        assert len(overdue) == 1
        assert len(box.to("duty@town.example")) == 2
        log = await _deliveries(client, demo, incident=incident)
        assert {d["rule"] for d in log} == {"reminder", "overdue"}
        assert all(d["state"] == "sent" and d["sent_at"] for d in log)
        # A second round sends nothing again.
        assert await worker.run_once(app) == (0, 0)
        await client.aclose()


async def test_the_delivery_log_filters_by_incident_unit_and_state(settings, mailbox, demo):
    _box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
        await worker.run_once(app)
        incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
        for moment in (T0 + minutes(50), T0 + minutes(61)):  # warned, then due
            await run_engine(app, moment)
            await worker.run_once(app)
        everything = await _deliveries(client, demo)
        assert len(everything) >= 3
        for item in everything:
            assert {"recipient", "channel", "state", "sent_at", "acknowledged_at"} <= set(item)
        # The contract's template with nothing filled in filters nothing.
        assert await _deliveries(client, demo, incident="", unit="", state="") == everything
        assert await _deliveries(client, demo, incident=incident) == everything
        town = await _deliveries(client, demo, unit=TOWNSHIP)
        assert town and {d["address"] for d in town} == {"duty@town.example"}
        assert await _deliveries(client, demo, unit=COUNTY) == everything  # its subtree
        assert await _deliveries(client, demo, state="sent") == everything
        assert await _deliveries(client, demo, state="pending") == []
        acked = await client.post(
            f"/api/notifications/{town[0]['id']}/ack", headers=bearer(demo["commander"])
        )
        assert acked.status_code == 200 and acked.json()["acknowledged_at"]
        [shown] = [d for d in await _deliveries(client, demo) if d["id"] == town[0]["id"]]
        assert shown["acknowledged_at"] and shown["acknowledged_by"].startswith("token:")
        bad = await client.get(
            "/api/notifications", params={"state": "lost"}, headers=bearer(demo["commander"])
        )
        assert (
            bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.state"
        )
        await client.aclose()


async def test_an_acknowledgement_stops_the_ladder(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
        await worker.run_once(app)
        incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(61))  # warned and overdue: the phone report
        await worker.run_once(app)
        overdue = [
            d for d in await _deliveries(client, demo, incident=incident) if d["rule"] == "overdue"
        ]
        assert overdue
        phone = overdue[0]["obligation"]
        acked = await client.post(
            f"/api/notifications/{overdue[0]['id']}/ack", headers=bearer(demo["commander"])
        )
        assert acked.status_code == 200 and acked.json()["acknowledged_by"].startswith("token:")
        # Missed (past the grace): the phone report's ladder has stopped; the written
        # report, not acknowledged, still climbs to the county's leader on duty.
        await run_engine(app, T0 + minutes(135))
        await worker.run_once(app)
        missed = [
            d for d in await _deliveries(client, demo, incident=incident) if d["rule"] == "missed"
        ]
        assert missed and all(d["obligation"] != phone for d in missed)
        assert any("漏报" in str(m["subject"]) for m in box.to("duty@county.example"))
        await client.aclose()


async def test_the_signed_link_acknowledges_once(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await worker.run_once(app)
        await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(50))
        await worker.run_once(app)
        delivery = (await _deliveries(client, demo))[0]
        link = f"/n/{ack_token(app.state.settings, delivery['id'])}"
        assert link in box.messages[0][1].get_body(("plain",)).get_content()
        page = await client.get(link)
        assert page.status_code == 200 and "已确认" in page.text
        again = await client.get(link)
        first = (await _deliveries(client, demo))[0]
        assert first["acknowledged_by"] == "link:" + delivery["recipient"]
        assert again.status_code == 200
        forged = await client.get("/n/" + ack_token(app.state.settings, delivery["id"])[:-2] + "xx")
        assert forged.status_code == 404
        await client.aclose()


async def test_a_webhook_receives_the_json_and_its_url_is_never_shown(settings, webhook, demo):
    received, port = webhook
    async with deadline_app(settings) as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        url = f"json://127.0.0.1:{port}/hook?secret-token=abc123"
        await _contacts(client, demo, TOWNSHIP, [{"kind": "apprise", "address": url}])
        await worker.run_once(app)
        await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(50))
        await worker.run_once(app)
        assert len(received) == 1
        assert received[0]["title"].startswith("【报送提醒】")
        log = await _deliveries(client, demo)
        assert log[0]["address"] == "json://…" and "abc123" not in json.dumps(log)
        # Only administrators read a unit's contacts back.
        admin = await client.get(f"/api/units/{TOWNSHIP}", headers=bearer(demo["admin"]))
        assert admin.json()["contacts"][0]["address"] == url
        other = await client.get(f"/api/units/{TOWNSHIP}", headers=bearer(demo["commander"]))
        assert other.json().get("contacts") is None
        await client.aclose()


async def test_an_unreachable_mail_server_is_retried_then_parked(settings, demo):
    dead_port = free_port()  # nothing listens there
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{dead_port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await worker.run_once(app)
        await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(50))
        derived, sent = await worker.run_once(app)
        assert derived == 1 and sent == 0
        delivery = (await _deliveries(client, demo))[0]
        assert delivery["state"] == "pending" and delivery["attempts"] == 1
        assert delivery["last_error"]
        from sqlalchemy import update

        from command.notify.models import Delivery

        for _attempt in range(6):  # make every retry due at once
            async with app.state.db.write() as session:
                await session.execute(update(Delivery).values(next_attempt_at=T0))
            await worker.run_once(app)
        parked = (await _deliveries(client, demo))[0]
        assert parked["state"] == "parked" and parked["attempts"] == 5
        await client.aclose()


async def test_bad_contacts_are_refused_naming_the_field(client, demo):
    admin = bearer(demo["admin"])
    for contact, field in [
        ({"kind": "email", "address": "not-a-mail"}, "contacts.0"),
        ({"kind": "apprise", "address": "nosuchscheme://x"}, "contacts.0"),
        ({"kind": "pigeon", "address": "x"}, "contacts.0.kind"),
    ]:
        response = await client.patch(
            f"/api/units/{TOWNSHIP}", json={"contacts": [contact]}, headers=admin
        )
        assert response.status_code == 422, response.text
        fields = [d["field"] for d in response.json()["error"]["details"]]
        assert any(f.startswith(field) for f in fields), fields
    commander = await client.patch(
        f"/api/units/{TOWNSHIP}", json={"contacts": []}, headers=bearer(demo["commander"])
    )
    assert commander.status_code == 403
    unchanged = await client.get(f"/api/units/{TOWNSHIP}", headers=admin)
    assert unchanged.json()["contacts"] == []


async def test_health_says_when_mail_cannot_go_out_without_failing_the_service(settings, mailbox):
    _box, port = mailbox
    dead = free_port()
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{dead}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        response = await client.get("/api/health")
        assert response.status_code == 200 and response.json()["status"] == "ok"
        notify = response.json()["domains"]["notify"]
        assert notify["ok"] is False and f"127.0.0.1:{dead}" in notify["mail_relay"]
        await client.aclose()
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        notify = (await client.get("/api/health")).json()["domains"]["notify"]
        assert notify == {"ok": True, "mail_relay": "reachable", "bad_channels": [], "parked": 0}
        await client.aclose()


async def test_a_major_incident_reaches_the_citys_leader_on_duty_at_once(settings, mailbox, demo):
    from datetime import timedelta

    from command.db import utcnow
    from tests.incidents_fixtures import incident_body

    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        commander = bearer(demo["commander"])
        await _city_leader_on_duty(client, commander)
        await worker.run_once(app)
        minor = await client.post(
            "/api/incidents", json=incident_body(title="一般火情"), headers=bearer(demo["reporter"])
        )
        major = await client.post(
            "/api/incidents",
            json=incident_body(title="化工厂爆炸", level="II"),
            headers=bearer(demo["reporter"]),
        )
        assert minor.status_code == major.status_code == 201, major.text
        await worker.run_once(app)
        [mail] = box.to("leader@heihe.example")
        assert str(mail["subject"]) == "【重大突发事件】化工厂爆炸（II级）"
        assert "/n/" in mail.get_body(("plain",)).get_content()
        # Again five minutes later, until the leader acknowledges.
        await worker.run_once(app, now=utcnow() + timedelta(minutes=5, seconds=1))
        again = box.to("leader@heihe.example")
        assert len(again) == 2 and str(again[1]["subject"]).startswith("【第2次提醒】")
        log = await _deliveries(client, demo, incident=major.json()["id"])
        acked = await client.post(f"/api/notifications/{log[0]['id']}/ack", headers=commander)
        assert acked.status_code == 200
        await worker.run_once(app, now=utcnow() + timedelta(minutes=10, seconds=2))
        assert len(box.to("leader@heihe.example")) == 2
        await client.aclose()


async def test_a_level_raised_into_i_or_ii_reaches_the_citys_leader_once_per_level(
    settings, mailbox, demo
):
    """Raised to II after creation: the leader on duty is told at once; the same level
    again (after a lowering) never; a further raise to I is worth a new alert."""
    from tests.incidents_fixtures import incident_body

    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        commander = bearer(demo["commander"])
        await _city_leader_on_duty(client, commander)
        created = await client.post(
            "/api/incidents",
            json=incident_body(title="化工厂泄漏", level="III"),
            headers=bearer(demo["reporter"]),
        )
        assert created.status_code == 201, created.text
        url = f"/api/incidents/{created.json()['id']}"
        await worker.run_once(app)
        assert box.to("leader@heihe.example") == []

        async def level(to: str) -> list:
            patched = await client.patch(url, json={"level": to}, headers=commander)
            assert patched.status_code == 200, patched.text
            await worker.run_once(app)
            return [str(mail["subject"]) for mail in box.to("leader@heihe.example")]

        assert await level("II") == ["【事件升级】化工厂泄漏升为II级（原III级）"]
        assert len(await level("III")) == 1  # lowered: nobody is alerted
        assert len(await level("II")) == 1  # II again: the leader knows already
        raised = await level("I")
        assert raised[1:] == ["【事件升级】化工厂泄漏升为I级（原II级）"]
        assert len(await level("II")) == 2 and len(await level("I")) == 2
        await client.aclose()


async def _escalation_state(app, code: str) -> tuple[list[dict], list[tuple[str, str, dict]]]:
    """The escalations topic as the owing unit's screens receive it: its snapshot for the
    unit's subtree, and the events written on it (kind, unit path, payload)."""
    from sqlalchemy import select

    from command.events import Event
    from command.notify.escalations import TOPIC, snapshot
    from command.units.models import Unit

    async with app.state.db.read() as session:
        path = await session.scalar(select(Unit.path).where(Unit.code == code))
        shown = await snapshot(session=session, unit_path=path)
        rows = await session.scalars(select(Event).where(Event.topic == TOPIC).order_by(Event.id))
        events = [(e.kind, e.unit_path, e.payload) for e in rows]
    return shown, [(kind, p, payload) for kind, p, payload in events if p.startswith(path)]


async def test_the_owing_unit_learns_only_an_escalation_that_was_sent_and_its_ack(
    settings, mailbox, demo
):
    """The report page says the superior was told only when a message to the superior
    actually went out, and that it acknowledged only when someone there did."""
    from datetime import datetime

    from command.db import utcnow

    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await worker.run_once(app)
        # Hours ago, not T0: what the page shows is what the unit still owes now.
        start = utcnow().replace(microsecond=0) - minutes(240)
        await create_incident(app, unit=VILLAGE, learned_at=start)
        # Overdue, but the county (the superior) has no contacts and nobody on duty: only
        # the township itself was told.
        await run_engine(app, start + minutes(61))
        await worker.run_once(app)
        town = box.to("duty@town.example")
        assert any("超时未报" in str(m["subject"]) for m in town)
        assert len(box.messages) == len(town)
        assert await _escalation_state(app, TOWNSHIP) == ([], [])

        # Once the county can be reached, the next step (the repeat of the overdue rule)
        # goes there, and the township's screens are told when it was sent.
        await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
        await run_engine(app, start + minutes(136))  # missed: the county's leader on duty
        await worker.run_once(app)
        assert any("漏报" in str(m["subject"]) for m in box.to("duty@county.example"))
        shown, events = await _escalation_state(app, TOWNSHIP)
        assert shown and all(e["escalated_at"] and e["messages"] >= 1 for e in shown)
        assert all(e["acknowledged_at"] is None and e["acknowledged_by"] is None for e in shown)
        assert events and all(kind == "escalation.sent" for kind, _, _ in events)
        summary = shown[0]
        assert [p for _, _, p in events if p["obligation"] == summary["obligation"]][-1] == summary

        # The county acknowledges at its desk: who and when reach the township.
        to_county = [
            d
            for d in await _deliveries(client, demo, unit=COUNTY, state="sent")
            if d["obligation"] == summary["obligation"] and d["address"] == "duty@county.example"
        ]
        acked = await client.post(
            f"/api/notifications/{to_county[0]['id']}/ack", headers=bearer(demo["commander"])
        )
        assert acked.status_code == 200
        shown, events = await _escalation_state(app, TOWNSHIP)
        [summary] = [e for e in shown if e["obligation"] == summary["obligation"]]
        stamp = datetime.fromisoformat
        assert stamp(summary["acknowledged_at"]) == stamp(acked.json()["acknowledged_at"])
        assert summary["acknowledged_by"]  # the acknowledging desk's name, not its token id
        assert not summary["acknowledged_by"].startswith("token:")
        assert events[-1] == (events[-1][0], events[-1][1], summary)
        assert events[-1][0] == "escalation.acknowledged"
        await client.aclose()
