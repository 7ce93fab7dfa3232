"""The fault run's webhook receiver: what counts as a delivery, a bad signature, or neither."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from kelisim import webhooks
from tests.faults.receiver import receiver

pytestmark = pytest.mark.db_independent


def _signed(secret: str, msg_id: str, body: bytes) -> dict[str, str]:
    return webhooks.signed_headers(msg_id, body, secrets=[secret])


def test_a_request_cut_by_a_dying_sender_is_neither_a_delivery_nor_a_bad_signature() -> None:
    with receiver(("police",)) as received:
        body = json.dumps({"data": {"escalation_id": "e1"}}).encode()
        head = _signed(received.secrets["police"], "msg_1", body)
        request = (
            f"POST /police HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in head.items())
            + "\r\n"
        ).encode() + body[:5]
        with socket.create_connection(("127.0.0.1", received.port)) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)  # the sender is gone before the rest of the body
            assert sock.recv(1024) == b""  # dropped without an answer
        assert (received.aborted, received.bad_signatures, received.calls) == (1, 0, [])


def test_a_whole_request_with_a_wrong_signature_is_counted_with_its_reason() -> None:
    with receiver(("police",)) as received:
        body = json.dumps({"data": {"escalation_id": "e1"}}).encode()
        good = _signed(received.secrets["police"], "msg_1", body)
        forged = _signed(webhooks.generate_secret(), "msg_2", body)
        url = received.url("police")
        assert httpx.post(url, content=body, headers=good).status_code == 204
        assert httpx.post(url, content=body, headers=forged).status_code == 400
        assert received.calls == [("police", "msg_1", "e1")]
        assert received.bad_signatures == 1 and received.aborted == 0
        assert received.bad_reasons[0].startswith("police msg_2 t=")
