"""Thin routes of the cases service: parse, authorise, build a command, run its handler, shape."""

from __future__ import annotations

from fastapi import APIRouter

from services.cases.api import (
    assignment,
    cases,
    compliance,
    consent,
    escalation,
    outcome,
    registration,
    sessions,
)

router = APIRouter()
# `cases` first: its /caseload must be matched before /{case_id}.
for module in (cases, registration, assignment, consent, sessions, outcome, compliance, escalation):
    router.include_router(module.router)

__all__ = ["router"]
