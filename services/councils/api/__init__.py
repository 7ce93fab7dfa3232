"""Thin routes of the councils service: parse, authorise, call a handler, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter

from kelisim import web
from services.councils.api import (
    councils,
    practice_notes,
    protocols,
    public,
    recommendations,
    sessions,
    voting,
)

router = APIRouter()
# Literal paths first, so `/{council_id}` never swallows `/control` or `/sessions/...`.
for module in (public, practice_notes, recommendations, sessions, voting, protocols, councils):
    web.include(router, module.router)

__all__ = ["router"]
