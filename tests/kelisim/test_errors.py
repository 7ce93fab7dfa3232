"""One error path for every process: an unhandled exception is a logged, counted problem 500."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from kelisim import logging as kelisim_logging
from kelisim import problems, web
from tests.support.checks import assert_problem

pytestmark = pytest.mark.db_independent

PLANTED = "tok-SECRET-PLANTED-0123456789"


async def _ready() -> dict[str, bool]:
    return {"database": True}


def _app(name: str) -> FastAPI:
    app = FastAPI()
    problems.install(app)
    web.install(app, name, _ready)

    @app.get("/boom")
    def boom() -> None:
        service_token = PLANTED  # a local a traceback with locals would print
        raise RuntimeError("the ledger is on fire " + str(len(service_token)))

    @app.get("/aboom")
    async def aboom() -> None:
        service_token = PLANTED
        raise KeyError(service_token[:3])

    return app


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def _errors(name: str) -> float:
    return REGISTRY.get_sample_value("kelisim_http_unhandled_errors_total", {"app": name}) or 0.0


@pytest.mark.parametrize("json_mode", [False, True], ids=["console", "json"])
@pytest.mark.parametrize("path", ["/boom", "/aboom"])
async def test_unhandled_exception_is_a_logged_counted_problem(
    log_stream: io.StringIO, json_mode: bool, path: str
) -> None:
    kelisim_logging.configure("INFO", json=json_mode, service="probe", stream=log_stream)
    name = f"probe-{int(json_mode)}-{path.strip('/')}"
    app = _app(name)
    before = _errors(name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        response = await client.get(path, headers={"X-Request-Id": "req-abc-123"})
        body = assert_problem(response, 500, "internal-error")
        assert body["request_id"] == "req-abc-123"
        assert response.headers["x-request-id"] == "req-abc-123"
        assert PLANTED not in response.text
        health = await client.get("/healthz")
        assert health.status_code == 200
    assert _errors(name) == before + 1

    output = log_stream.getvalue()
    assert PLANTED not in output, "a traceback printed local variables"
    assert output.count("Traceback (most recent call last)") == 1, output
    if json_mode:
        records = [json.loads(line) for line in output.splitlines() if line.strip()]
        failed = [r for r in records if r.get("event") == "request.failed"]
        assert len(failed) == 1, records
        assert failed[0]["request_id"] == "req-abc-123"
        assert "Traceback (most recent call last)" in failed[0]["exception"]
        assert "boom" in failed[0]["exception"]
        assert "traceback object" not in output
    else:
        assert output.count("request.failed") == 1, output
        assert "request_id=req-abc-123" in output
        assert "in boom" in output or "in aboom" in output
