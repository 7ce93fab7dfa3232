"""Every problem a service or the gateway can answer has a message in the UI's languages,
so a refused form says why in the user's language, not "The action was refused"; every kind
of word the anonymity check refuses is named in words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from gateway.web.labels import FINDING_KINDS
from gateway.web.refusals import PROBLEMS
from kelisim.anonymity import Kind

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2]
RAISED = re.compile(r'Problem\(\s*(?:\d{3}|status)\s*,\s*"([a-z0-9-]+)"')
# Problems only a program meets (the API's own parameters and headers, the door's checks of a
# request, tokens): the web UI never sends what would cause them, so they have no label.
API_ONLY_PROBLEMS = frozenset(
    {
        "api-key-not-allowed", "bad-encoding", "bad-gateway", "bad-if-match",
        "bad-path", "bad-period", "bad-request", "control-character",
        "internal-error", "invalid-idempotency-key", "invalid-token", "no-weekly-figures",
        "not-ready", "session-not-found", "too-many-requests", "unauthenticated",
        "unknown-dimension", "unsupported-grant-type", "uri-too-long",
    }
)  # fmt: skip


def raised_kinds() -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for part in ("services", "kelisim", "gateway"):
        for path in sorted((ROOT / part).rglob("*.py")):
            for kind in RAISED.findall(path.read_text(encoding="utf-8")):
                kinds.setdefault(kind, []).append(str(path.relative_to(ROOT)))
    return kinds


def test_every_problem_a_form_can_meet_has_a_message():
    kinds = raised_kinds()
    assert len(kinds) > 80  # the scan finds what the code raises
    unlabelled = {
        k: v for k, v in kinds.items() if k not in PROBLEMS and k not in API_ONLY_PROBLEMS
    }
    assert unlabelled == {}


def test_the_api_only_list_names_only_problems_that_exist_and_have_no_label():
    kinds = raised_kinds()
    assert sorted(API_ONLY_PROBLEMS - kinds.keys()) == []
    assert sorted(API_ONLY_PROBLEMS & PROBLEMS.keys()) == []


def test_every_kind_of_identifying_word_has_a_label():
    assert sorted(FINDING_KINDS) == sorted(get_args(Kind))


def test_the_refusals_are_worded_in_one_table_for_every_page():
    """The analytics pages once kept a second table that worded some refusals differently."""
    tables = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "gateway").rglob("*.py"))
        if re.search(r"^PROBLEMS\s*[:=]", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert tables == ["gateway/web/refusals.py"]
