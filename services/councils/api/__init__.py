"""Thin routes of the councils service: parse, authorise, call a handler, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter

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
    router.include_router(module.router)

__all__ = ["router"]
