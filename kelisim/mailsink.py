"""The development mail sink: an SMTP server on loopback that keeps every e-mail in a Maildir.

`kelisim up` runs it in a thread of the supervisor (aiosmtpd's Controller and its Maildir
handler; no process of its own, so the system's memory barely grows) when `Settings.mail_sink`
holds: never in production, never when SMTP is configured. The gateway's outgoing-mail page
reads the folder back with `delivered`, so a new user sees what arrived and when.
"""

from __future__ import annotations

import contextlib
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import structlog

from kelisim.settings import Settings

log = structlog.get_logger("kelisim.mailsink")
HOST = "127.0.0.1"


class MailSink:
    """aiosmtpd on 127.0.0.1:`mail_sink_port`, delivering into `Settings.mail_dir`."""

    def __init__(self, settings: Settings) -> None:
        self.port = settings.mail_sink_port
        self.folder = settings.mail_dir
        self._controller: Any = None

    def start(self) -> None:
        """Listen (in a thread with its own event loop); OSError when the port is taken."""
        # Imported here: only `kelisim up` in development pays for the SMTP server's modules.
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        for sub in ("tmp", "new", "cur"):  # a Maildir, even where its folder exists
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        controller = Controller(
            Mailbox(self.folder),
            hostname=HOST,
            port=self.port,
            server_hostname="kelisim-mail-sink",
            enable_SMTPUTF8=True,
        )
        controller.start()
        self._controller = controller
        log.info("mail_sink.listening", address=f"{HOST}:{self.port}", folder=str(self.folder))

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass(frozen=True)
class Delivered:
    """One e-mail as it arrived at the sink."""

    message_id: str
    arrived_at: datetime
    sender: str
    to: str
    subject: str
    text: str


def delivered(folder: Path, limit: int = 500) -> dict[str, Delivered]:
    """The newest `limit` e-mails of the sink's Maildir by Message-ID (a resent one: the newest)."""
    files = []
    for sub in ("new", "cur"):
        with contextlib.suppress(FileNotFoundError):
            for path in (folder / sub).iterdir():
                with contextlib.suppress(FileNotFoundError):
                    files.append((path.stat().st_mtime, path))
    found: dict[str, Delivered] = {}
    for mtime, path in sorted(files, reverse=True)[:limit]:
        try:
            parsed = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
        except FileNotFoundError:
            continue
        message_id = str(parsed.get("Message-ID", "")).strip()
        body = parsed.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        found.setdefault(
            message_id,
            Delivered(
                message_id=message_id,
                arrived_at=datetime.fromtimestamp(mtime, UTC),
                sender=str(parsed.get("From", "")),
                to=str(parsed.get("To", "")),
                subject=str(parsed.get("Subject", "")),
                text=str(text),
            ),
        )
    return found
