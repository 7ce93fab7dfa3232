"""Schemathesis fuzzes the merged OpenAPI document through the gateway, as two real users.

The whole system runs in-process in a thread of its own (real databases, real nats-server)
behind a real uvicorn server; every operation of `/api/v1/openapi.json` gets a bounded
number of generated requests as an admin and as a mediator. Any 5xx answer or an answer
that contradicts its documented schema fails the test, with each finding listed.
`KELISIM_FUZZ_EXAMPLES` sets the examples per operation and user (default 3, `make test`).

Then the stateful phase: schemathesis infers links from the schema (a 201 answer's `id` feeds
the `{..._id}` of the operations on that resource) and runs `KELISIM_FUZZ_SCENARIOS`
seeded scenarios of up to `KELISIM_FUZZ_STEPS` chained calls per user, with the same checks.
The draws do not depend on what ran before in the same process (`load_every_module`), but
which scenarios chain does: a change anywhere in the source moves the derandomised draws
(Hypothesis draws constants from it), and schemathesis decides whether a step uses a link's
value with a true-random coin. So one chain is also followed by construction: a case
registered as each user, then every link that leaves `POST /api/v1/cases`, with the id its
answer gave (`linked`); the case's own page must answer 2xx through its link.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.gateway import system_stack
from tests.support.nats import free_port

EXAMPLES = int(os.environ.get("KELISIM_FUZZ_EXAMPLES", "3"))
SCENARIOS = int(os.environ.get("KELISIM_FUZZ_SCENARIOS", "40"))
STEPS = int(os.environ.get("KELISIM_FUZZ_STEPS", "8"))
RUNS = 10  # at most, per user, for the stateful scenarios (see `scenarios`)
CHECKS = [not_a_server_error, response_schema_conformance]
SEED_CASE = {
    "region": "KZ-75",
    "category": "family",
    "channel": "walk_in",
    "description": "A dispute between neighbours over a fence",
    "parties": [
        {"kind": "person", "name": "Aigerim Fuzz", "phone": "+77010000001", "language": "kk"},
        {"kind": "person", "name": "Nurlan Fuzz", "phone": "+77010000002", "language": "ru"},
    ],
}
# Operations that end the caller's own sign-in: fuzzed, they sign the fuzzing users out and every
# later call answers 401. tests/gateway's session tests check them; the fuzzer leaves them out.
SIGNS_OUT_THE_CALLER = r"^/api/v1/me/sessions(/revoke-all|/\{[^}]+\})$"
BOUNDED = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


def load_every_module(*packages: str) -> int:
    """Import every module of the project's packages; how many.

    Hypothesis also draws constants found in the source of the local modules loaded when it
    generates, so what the earlier tests of the same process happened to import (or a lazy
    import inside a call) changed the derandomised examples: the stateful phase reached no
    real id after tests/gateway, or failed as an inconsistent generation. With every module
    loaded first, the draws are the same whatever ran before.
    """
    count = 0
    for name in packages:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.endswith(".__main__"):
                importlib.import_module(module.name)
                count += 1
    return count


@dataclass
class Live:
    """A running system behind a real HTTP port, and its users' headers."""

    base_url: str
    users: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, nats_url: str) -> Iterator[Live]:
    """The system in a thread with its own event loop, served by uvicorn on a free port."""
    port = free_port()
    ready, stop = threading.Event(), threading.Event()
    found: dict[str, object] = {}

    async def serve(tmp: Path) -> None:
        async with system_stack(tmp, nats_url) as stack:
            mediator = await stack.login_as("fuzz-mediator", roles=["mediator"], regions=["KZ-75"])
            found["users"] = {"admin": stack.admin, "mediator": mediator}
            # A case of the mediator's, so that chains from its lists reach a real resource.
            seeded = await stack.client.post("/api/v1/cases", json=SEED_CASE, headers=mediator)
            assert seeded.status_code == 201, seeded.text
            app = stack.client.app  # type: ignore[attr-defined]
            config = uvicorn.Config(app, port=port, lifespan="off", log_config=None)
            server = uvicorn.Server(config)
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.1)
            server.should_exit = True
            await task

    def main() -> None:
        try:
            asyncio.run(serve(tmp_path_factory.mktemp("fuzz")))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            found["error"] = exc
            ready.set()

    thread = threading.Thread(target=main, name="fuzzed-system", daemon=True)
    thread.start()
    assert ready.wait(180), "the system did not start"
    if "error" in found:
        raise found["error"]  # type: ignore[misc]
    yield Live(f"http://127.0.0.1:{port}", found["users"])  # type: ignore[arg-type]
    stop.set()
    thread.join(60)


def finding(case, response, who: str, seen: set[tuple[int, str]]) -> str | None:  # type: ignore[no-untyped-def]
    """What is wrong with one answer, once per operation, status and failure (None: nothing)."""
    try:
        case.validate_response(response, checks=CHECKS)
    except (AssertionError, BaseExceptionGroup) as exc:  # a group of failures, or one
        parts = getattr(exc, "exceptions", None) or [exc]
        first = "; ".join(getattr(p, "title", None) or str(p).strip()[:200] for p in parts)
        if (response.status_code, first) in seen:
            return None
        seen.add((response.status_code, first))
        body = response.text[:300].replace("\n", " ")
        curl = case.as_curl_command(headers={"Authorization": "Bearer …"})
        return (
            f"{case.operation.label} as {who}: {response.status_code}: {first}\n"
            f"    answer: {body}\n    {curl[:600]}"
        )
    return None


def fuzz(operation, who: str, headers: dict[str, str], live: Live, session) -> list[str]:  # type: ignore[no-untyped-def]
    """Run one operation's generated requests as one user; the distinct findings."""
    findings: list[str] = []
    seen: set[tuple[int, str]] = set()

    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], **BOUNDED)
    @given(case=operation.as_strategy())
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(
            base_url=live.base_url, session=session, headers=keyed(case, headers), timeout=30
        )
        found = finding(case, response, who, seen)
        if found is not None:
            findings.append(found)

    run()
    return findings


def keyed(case, headers: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A fresh Idempotency-Key per state-changing call, as a client makes one per change
    (a generated key repeats, and a repeated key on another request is refused 422)."""
    if case.method.upper() == "GET":
        return headers
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def links_of(machine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The operations the state machine can chain from, with how many links leave each."""
    return {
        label: len(t.outgoing) for label, t in machine._transitions.operations.items() if t.outgoing
    }


def scenarios(
    machine, who: str, headers: dict[str, str], live: Live, session
) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    """Run bounded chained scenarios as one user; the calls made and the distinct findings."""
    findings: list[str] = []
    seen: set[tuple[int, str]] = set()
    calls: list[str] = []
    chained: list[str] = []
    finished: list[int] = []

    class Workflow(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):  # type: ignore[no-untyped-def]
            return {
                "base_url": live.base_url,
                "session": session,
                "headers": keyed(case, headers),
                "timeout": 30,
            }

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            # Findings are collected, not raised: no shrinking, and every scenario runs.
            calls.append(case.operation.label)
            if "_id}" in case.operation.path and response.status_code < 300:
                chained.append(case.operation.label)  # a real id: random ones answer 404
            found = finding(case, response, who, seen)
            if found is not None:
                findings.append(found)

        def teardown(self) -> None:
            finished.append(len(calls))  # one scenario ended, after this many calls in all
            super().teardown()

    # One Hypothesis run records every choice of its scenarios and expects a scenario that
    # starts like an earlier one to be offered the same rules. The live server's state is not
    # part of that record: a call that created something (201) the first time answers 409 or
    # 422 the next, its link is not offered, and Hypothesis ends the run as Flaky. That ends
    # one run, not the user's scenarios: the next run, with the next seed, goes on until
    # SCENARIOS have run (schemathesis's own stateful engine ends a run on Flaky the same way).
    for run in range(RUNS):
        left = SCENARIOS - len(finished)
        if left <= 0:
            break
        try:
            seed(run)(Workflow).run(
                settings=settings(
                    max_examples=left, stateful_step_count=STEPS, phases=[Phase.generate], **BOUNDED
                )
            )
        except Flaky:
            print(f"stateful as {who}: run {run} ended as Flaky after {len(finished)} scenarios")
        else:
            break
    return len(calls), len(chained), findings


def linked(schema, machine, who: str, headers: dict[str, str], live: Live, session):  # type: ignore[no-untyped-def]
    """Register a case, then call every operation linked from that answer with the values the
    link takes from it; the labels answered 2xx and the distinct findings."""
    create = schema["/api/v1/cases"]["POST"]
    case = create.Case(body=SEED_CASE, media_type="application/json")
    response = case.call(
        base_url=live.base_url, session=session, headers=keyed(case, headers), timeout=30
    )
    if response.status_code != 201:  # this user may not register cases
        return [], []
    output = StepOutput(response=response, case=case)
    reached: list[str] = []
    findings: list[str] = []
    seen: set[tuple[int, str]] = set()
    for link in machine._transitions.operations[create.label].outgoing:
        transition = link.extract(output)
        fixed = {
            container: {
                name: extracted.value.ok()
                for name, extracted in values.items()
                if isinstance(extracted.value, Ok) and extracted.value.ok() is not None
            }
            for container, values in transition.parameters.items()
        }
        strategy = link.target.as_strategy(
            path_parameters=fixed.get("path_parameters") or None,
            query=fixed.get("query") or None,
        )

        @settings(max_examples=1, phases=[Phase.generate], **BOUNDED)
        @given(step=strategy)
        def follow(step) -> None:  # type: ignore[no-untyped-def]
            answer = step.call(
                base_url=live.base_url, session=session, headers=keyed(step, headers), timeout=30
            )
            if answer.status_code < 300:
                reached.append(step.operation.label)
            found = finding(step, answer, who, seen)
            if found is not None:
                findings.append(found)

        follow()
    return reached, findings


@pytest.mark.fuzz
def test_no_operation_answers_5xx_or_off_its_schema(live: Live):
    assert load_every_module("kelisim", "services", "gateway") > 200
    full = schemathesis.openapi.from_url(f"{live.base_url}/api/v1/openapi.json")
    assert "x-kelisim-unavailable" not in full.raw_schema
    schema = full.exclude(path_regex=SIGNS_OUT_THE_CALLER, method=["POST", "DELETE"])
    findings: list[str] = []
    operations = 0
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for who, headers in live.users.items():
            findings += fuzz(operation, who, headers, live, session)
    print(f"\nfuzzed {operations} operations x {len(live.users)} users x {EXAMPLES} examples")
    machine = schema.as_state_machine()
    links = links_of(machine)
    print(f"stateful: {sum(links.values())} links from {len(links)} operations")
    assert "POST /api/v1/cases" in links, sorted(links)
    followed = 0
    for who, headers in live.users.items():
        calls, chained, found = scenarios(machine, who, headers, live, session)
        print(
            f"stateful as {who}: {calls} calls in {SCENARIOS} scenarios, {chained} answered 2xx"
            f" on an id taken from an earlier answer, {len(found)} findings"
        )
        assert calls > SCENARIOS
        followed += chained
        findings += found
    print(f"stateful: {followed} calls answered 2xx on an id from an earlier answer")
    # By construction: a registered case's links, followed with its id.
    for who, headers in live.users.items():
        reached, found = linked(schema, machine, who, headers, live, session)
        print(f"linked from a registered case as {who}: {len(reached)} 2xx: {sorted(reached)}")
        if who == "mediator":
            assert "GET /api/v1/cases/{case_id}" in reached, reached
        findings += found
    for finding in findings:
        print(finding)
    assert operations > 50
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)
