"""The mail relay of WATCHFLOOR_SMTP_URL with its optional user, password and `?starttls=1`,
against real aiosmtpd servers on loopback that demand a login (and, for STARTTLS, a TLS
handshake with a certificate made for the test): the reminder arrives only when the
credentials reach the server as the deployment wrote them."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from command.config import Settings
from command.notify import worker
from command.notify.sender import mail_url, starttls
from tests.deadlines_fixtures import (
    T0,
    TOWNSHIP,
    VILLAGE,
    create_incident,
    deadline_app,
    minutes,
    run_engine,
)
from tests.servers import free_port
from tests.test_notifications import Mailbox, _contacts, _deliveries

USER, PASSWORD = "duty@heihe.example", "p@ss:w/rd%&?"
# As a deployment writes them in the URL: percent-encoded.
QUOTED = "duty%40heihe.example:p%40ss%3Aw%2Frd%25%26%3F"


class LoginMailbox(Mailbox):
    """A mailbox that records whether each message came over TLS from a signed-in client."""

    async def handle_DATA(self, server, session, envelope):
        self.sessions.append((session.authenticated, server._tls_protocol is not None))
        return await super().handle_DATA(server, session, envelope)

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bool]] = []


def _login(_server, _session, _envelope, _mechanism, data) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), trusted through SSL_CERT_FILE."""
    openssl = shutil.which("openssl")
    assert openssl, "the STARTTLS test makes its certificate with the openssl command"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def _relay(tls: ssl.SSLContext | None = None) -> tuple[LoginMailbox, Controller, int]:
    box, port = LoginMailbox(), free_port()
    options = {"tls_context": tls, "require_starttls": True} if tls else {}
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        authenticator=_login,
        auth_required=True,
        auth_require_tls=tls is not None,
        **options,
    )
    controller.start()
    return box, controller, port


async def _reminder(settings: Settings, demo: dict[str, str], smtp_url: str) -> list[dict]:
    """The township owes a report and its warning has passed: one worker round."""
    async with deadline_app(settings, smtp_url=smtp_url) as app:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        await _contacts(client, demo, TOWNSHIP, [{"kind": "email", "address": "duty@town.example"}])
        await worker.run_once(app)
        await create_incident(app, unit=VILLAGE, learned_at=T0)
        await run_engine(app, T0 + minutes(50))
        await worker.run_once(app)
        log = await _deliveries(client, demo)
        await client.aclose()
    return log


def test_the_relay_url_is_read_as_a_deployment_writes_it():
    settings = Settings(smtp_url=f"smtp://{QUOTED}@mail.example.org:587?starttls=1")
    url = mail_url(settings, "duty@town.example")
    # Encoded once for apprise, which decodes once: the server sees the password itself.
    assert url.startswith(f"mailto://{QUOTED}@mail.example.org:587?")
    assert "mode=starttls" in url
    assert starttls("starttls=1") and starttls("starttls=true") and not starttls("starttls=0")
    assert not starttls("nostarttls=1") and not starttls("")
    plain = mail_url(Settings(smtp_url="smtp://127.0.0.1:8825"), "a@b.example")
    assert plain.startswith("mailto://127.0.0.1:8825?") and "mode=insecure" in plain


async def test_a_relay_that_demands_a_login_gets_the_user_and_password(settings, demo):
    box, controller, port = _relay()
    try:
        log = await _reminder(settings, demo, f"smtp://{QUOTED}@127.0.0.1:{port}")
    finally:
        controller.stop()
    assert [d["state"] for d in log] == ["sent"], log
    assert box.sessions == [(True, False)]
    assert str(box.to("duty@town.example")[0]["subject"]).startswith("【报送提醒】")


async def test_starttls_is_asked_for_with_the_query(settings, demo, certificate, monkeypatch):
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test's certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    box, controller, port = _relay(tls)
    try:
        log = await _reminder(settings, demo, f"smtp://{QUOTED}@127.0.0.1:{port}?starttls=1")
    finally:
        controller.stop()
    assert [d["state"] for d in log] == ["sent"], log
    assert box.sessions == [(True, True)]  # signed in, over TLS
