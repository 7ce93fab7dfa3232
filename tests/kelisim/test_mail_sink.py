"""The development mail sink: a real SMTP server that keeps what arrives, never in production."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from kelisim.mailsink import delivered
from kelisim.settings import Settings
from kelisim.supervision.mail import open_mail_sink, where_mail_goes
from tests.support.nats import free_port

pytestmark = pytest.mark.db_independent


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_development_sends_to_the_sink_unless_smtp_is_configured_and_production_never(
    tmp_path: Path,
):
    port = free_port()
    development = settings_for(tmp_path, env="development", mail_sink_port=port)
    assert development.mail_sink and development.smtp_server() == ("127.0.0.1", port)
    configured = settings_for(tmp_path, mail_sink_port=port, smtp_host="mail.example.kz")
    assert not configured.mail_sink
    assert configured.smtp_server() == ("mail.example.kz", 25)
    port_only = settings_for(tmp_path, mail_sink_port=0, smtp_port=port)
    assert port_only.smtp_server() == ("127.0.0.1", port)
    # Neither a server nor the sink: e-mail is off (recorded as not sent), never 127.0.0.1:25.
    off = settings_for(tmp_path, mail_sink_port=0)
    assert not off.mail_sink and off.smtp_server() is None
    assert "E-mail is off" in where_mail_goes(off, None, "http://x")
    # Production always has a server to send to: the configured one, else 127.0.0.1:25.
    production = settings_for(tmp_path, env="production", mail_sink_port=port)
    assert not production.mail_sink and production.smtp_server() == ("127.0.0.1", 25)
    unset = settings_for(tmp_path, env="production", mail_sink_port=0)
    assert unset.smtp_server() == ("127.0.0.1", 25)

    sink, told = open_mail_sink(production)
    assert sink is None and told == {}
    assert not listening(port), "production started a mail sink"
    assert not (tmp_path / "mail").exists()
    assert "127.0.0.1:25" in where_mail_goes(production, None, "http://x")


async def test_the_sink_keeps_a_kazakh_mail_as_sent_and_frees_its_port(tmp_path: Path):
    settings = settings_for(tmp_path, mail_sink_port=free_port())
    sink, told = open_mail_sink(settings)
    assert sink is not None and told == {}
    try:
        message = EmailMessage()
        message["From"] = "kelisim@localhost"
        message["To"] = "mediator@kelisim.example"
        message["Subject"] = "Іс тағайындалды: KZ-75-2026-000001"
        message["Message-ID"] = "<abc123@kelisim>"
        message.set_content("Сізге жаңа іс тағайындалды.\nМерзімі: 2026 ж. 31 желтоқсан")
        host, port = settings.smtp_server()
        await aiosmtplib.send(message, hostname=host, port=port, timeout=10)
        line = where_mail_goes(settings, sink, "http://127.0.0.1:8000")
    finally:
        sink.stop()
    assert not listening(settings.mail_sink_port)
    assert str(tmp_path / "mail") in line and "/admin/mail" in line
    found = delivered(tmp_path / "mail")
    assert list(found) == ["<abc123@kelisim>"]
    mail = found["<abc123@kelisim>"]
    assert mail.subject == "Іс тағайындалды: KZ-75-2026-000001"
    assert mail.to == "mediator@kelisim.example"
    assert mail.text.startswith("Сізге жаңа іс тағайындалды.\nМерзімі")
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1


def test_a_taken_port_warns_and_tells_the_children_there_is_no_sink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        sink, told = open_mail_sink(settings_for(tmp_path, mail_sink_port=port))
    assert sink is None
    assert told == {"KELISIM_MAIL_SINK_PORT": "0"}
    assert f"127.0.0.1:{port}" in capsys.readouterr().err
    children = settings_for(tmp_path, mail_sink_port=int(told["KELISIM_MAIL_SINK_PORT"]))
    assert children.smtp_server() is None  # e-mail off: each one shown as not sent
