"""Repeat until acknowledged, with a real aiosmtpd peer on loopback and both databases:
the shipped ladder's overdue rule sends again every 10 minutes, six times at most; an
acknowledgement (or the report arriving) stops the repeats; two workers write each repeat
once. The engine and the worker run at chosen instants."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from command.notify import worker
from command.notify.ladder import LadderError, load_ladder
from command.notify.repeats import repeat_due
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
    report,
    run_engine,
)
from tests.servers import free_port
from tests.test_notifications import Mailbox, _contacts, _deliveries


@pytest.fixture
def mailbox():
    from aiosmtpd.controller import Controller

    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


DUE = T0 + minutes(61)  # the township's phone report (1 h) is overdue


def _overdue(box, address: str) -> list:
    return [m for m in box.to(address) if "超时未报" in str(m["subject"])]


async def _overdue_incident(app, client, demo):
    await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
    await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
    await worker.run_once(app)  # the worker starts at the end of the log
    incident = await create_incident(app, unit=VILLAGE, learned_at=T0)
    await run_engine(app, DUE)
    await worker.run_once(app, now=DUE)
    return incident


async def test_repeats_arrive_at_the_cadence_and_an_acknowledgement_stops_them(
    settings, mailbox, demo
):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        incident = await _overdue_incident(app, client, demo)
        assert len(_overdue(box, "duty@county.example")) == 1
        # Not yet: the cadence is 10 minutes from the first message.
        await worker.run_once(app, now=DUE + minutes(9))
        assert len(_overdue(box, "duty@county.example")) == 1
        await worker.run_once(app, now=DUE + minutes(10))
        county = _overdue(box, "duty@county.example")
        assert len(county) == 2 and len(_overdue(box, "duty@town.example")) == 2
        assert str(county[1]["subject"]).startswith("【第2次提醒】【超时未报】")
        # Each repeat is its own delivery, with its own acknowledgement link.
        log = await _deliveries(client, demo, incident=incident)
        log = [d for d in log if d["rule"] == "overdue"]
        repeats = sorted(d["repeat"] for d in log)
        assert repeats == [0, 0, 1, 1]
        second = next(d for d in log if d["repeat"] == 1 and "county" in d["address"])
        link = f"/n/{ack_token(app.state.settings, second['id'])}"
        assert link in county[1].get_body(("plain",)).get_content()
        assert (await client.get(link)).status_code == 200
        # Acknowledged by the county: no more repeats, to anyone, about that obligation.
        for later in (20, 30, 60):
            await worker.run_once(app, now=DUE + minutes(later))
        assert len(_overdue(box, "duty@county.example")) == 2
        assert len(_overdue(box, "duty@town.example")) == 2
        await client.aclose()


async def test_repeats_stop_at_repeat_max_and_when_the_report_arrives(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        incident = await _overdue_incident(app, client, demo)
        for step in range(1, 10):
            await worker.run_once(app, now=DUE + minutes(10 * step))
        # The first message and six repeats (repeat_max = 6), then nothing more.
        county = _overdue(box, "duty@county.example")
        assert len(county) == 7
        assert str(county[-1]["subject"]).startswith("【第7次提醒】")
        log = await _deliveries(client, demo, incident=incident)
        assert max(d["repeat"] for d in log if d["rule"] == "overdue") == 6

        # Another incident: its phone report comes in late; the repeats end with it.
        second = await create_incident(app, unit=VILLAGE, learned_at=DUE)
        late = DUE + minutes(61)
        await run_engine(app, late)
        await worker.run_once(app, now=late)
        phone = [d for d in await _deliveries(client, demo, incident=second)]
        assert {d["rule"] for d in phone} == {"overdue"} and len(phone) == 2
        await report(app, second, TOWNSHIP, late + minutes(2), kind="initial", channel="phone")
        await worker.run_once(app, now=late + minutes(2))
        for step in (10, 20, 30):
            await worker.run_once(app, now=late + minutes(step))
        after = await _deliveries(client, demo, incident=second)
        assert [d["repeat"] for d in after] == [0, 0]
        await client.aclose()


async def test_two_workers_write_each_repeat_once(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        incident = await _overdue_incident(app, client, demo)
        rules = load_ladder()
        at = DUE + minutes(10)
        written = await asyncio.gather(*(repeat_due(app.state.db, rules, now=at) for _ in range(2)))
        assert sum(written) >= 2
        log = await _deliveries(client, demo, incident=incident)
        assert sorted(d["repeat"] for d in log if d["rule"] == "overdue") == [0, 0, 1, 1]
        await worker.run_once(app, now=at)
        assert len(_overdue(box, "duty@county.example")) == 2
        await client.aclose()


async def test_a_message_past_the_series_span_is_not_repeated(settings, mailbox, demo):
    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _overdue_incident(app, client, demo)
        # Ten minutes a repeat, six at most: after 70 minutes the series is over.
        await worker.run_once(app, now=DUE + minutes(71))
        assert len(_overdue(box, "duty@county.example")) == 1
        await client.aclose()


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ('repeat_every = "10m"', "repeat_every and repeat_max go together"),
        ('repeat_every = "ten"\nrepeat_max = 3', "is not a cadence"),
        ('repeat_every = "10m"\nrepeat_max = 0', "repeat_max"),
        ('repeat_every = "10m"\nrepeat_max = 99', "repeat_max"),
    ],
)
def test_the_ladder_check_refuses_a_bad_repeat(tmp_path, lines, says, capsys):
    from command.notify.cli import cmd_check

    text = load_ladder.__globals__["LADDER_FILE"].read_text(encoding="utf-8")
    bad = text.replace('channels = ["email", "apprise"]', f'channels = ["email"]\n{lines}', 1)
    path = tmp_path / "ladder.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(LadderError, match=says):
        load_ladder(path)
    import argparse

    from command.config import Settings

    assert cmd_check(Settings(), argparse.Namespace(file=str(path))) == 1
    assert says in capsys.readouterr().err


async def test_an_early_warning_above_the_severity_reaches_the_covered_units(
    settings, mailbox, demo
):
    from tests.interop_fixtures import foreign_alert

    box, port = mailbox
    async with deadline_app(settings, smtp_url=f"smtp://127.0.0.1:{port}") as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, COUNTY, [{"kind": "email", "address": "duty@county.example"}])
        await _contacts(
            client, demo, "231123", [{"kind": "email", "address": "duty@xunke.example"}]
        )
        await worker.run_once(app)
        cap = {"Content-Type": "application/cap+xml"}
        minor = await client.post(
            "/api/cap",
            content=foreign_alert(identifier="W-MINOR", severity="Minor"),
            headers={**bearer(demo["commander"]), **cap},
        )
        assert minor.status_code == 201, minor.text
        severe = await client.post(
            "/api/cap",
            content=foreign_alert(identifier="W-SEVERE"),
            headers={**bearer(demo["commander"]), **cap},
        )
        assert severe.status_code == 201, severe.text
        await worker.run_once(app)
        [mail] = box.to("duty@county.example")
        assert str(mail["subject"]) == "【预警】黑龙江省气象台发布暴雨橙色预警（严重）"
        assert "/n/" in mail.get_body(("plain",)).get_content()
        assert box.to("duty@xunke.example") == []  # 逊克县 lies outside the warning's area
        log = await _deliveries(client, demo)
        assert [d["rule"] for d in log] == ["early warning"]
        await client.aclose()
