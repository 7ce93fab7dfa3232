"""Where `kelisim up` sends the system's e-mail: the development mail sink, or SMTP."""

from __future__ import annotations

import sys

import structlog

from kelisim.mailsink import HOST, MailSink
from kelisim.settings import Settings
from kelisim.supervision.system import port_in_use

log = structlog.get_logger("kelisim.supervisor")


def open_mail_sink(settings: Settings) -> tuple[MailSink | None, dict[str, str]]:
    """The listening sink when `settings.mail_sink` holds, and what the children must be told.

    A taken port only warns: the children are told there is no sink, so e-mail is off (each
    recorded as not sent, on the outgoing-mail page) rather than in another program's sink.
    """
    if not settings.mail_sink:
        return None, {}
    sink = MailSink(settings)
    try:
        if port_in_use(HOST, sink.port):
            raise OSError("port in use")
        sink.start()
    except (OSError, RuntimeError) as exc:
        log.warning("mail_sink.unavailable", port=sink.port, reason=str(exc))
        print(
            f"kelisim up: the mail sink cannot listen on {HOST}:{sink.port} ({exc}); e-mail is "
            "not kept (choose another KELISIM_MAIL_SINK_PORT, or 0 for none)",
            file=sys.stderr,
            flush=True,
        )
        return None, {"KELISIM_MAIL_SINK_PORT": "0"}
    return sink, {}


def where_mail_goes(settings: Settings, sink: MailSink | None, url: str) -> str:
    """One line for the operator: where the system's e-mail ends up."""
    if sink is not None:
        return (
            f"E-mail stays on this computer: the mail sink ({HOST}:{sink.port}) keeps it in "
            f"{sink.folder}; the admin reads it at {url}/admin/mail"
        )
    server = settings.model_copy(update={"mail_sink_port": 0}).smtp_server()
    if server is None:
        return (
            "E-mail is off: no SMTP server is configured (KELISIM_SMTP_HOST) and no mail sink "
            f"runs; the admin sees each e-mail, marked not sent, at {url}/admin/mail"
        )
    host, port = server
    return f"E-mail goes to the SMTP server {host}:{port}"
