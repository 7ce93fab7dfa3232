"""Thin routes of the cases service: parse, authorise, build a command, run its handler, shape."""

from __future__ import annotations

from fastapi import APIRouter

from kelisim import web
from services.cases.api import (
    assignment,
    cases,
    compliance,
    consent,
    escalation,
    outcome,
    practice_notes,
    registration,
    sessions,
)

router = APIRouter()
# `practice_notes` and `cases` first: /practice-notes and /caseload before /{case_id}.
for module in (
    practice_notes,
    cases,
    registration,
    assignment,
    consent,
    sessions,
    outcome,
    compliance,
    escalation,
):
    web.include(router, module.router)

__all__ = ["router"]
