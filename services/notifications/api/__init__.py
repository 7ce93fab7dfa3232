"""Thin routes of the notifications service: parse, authorise, build a command, run it."""

from __future__ import annotations

from fastapi import APIRouter

from services.notifications.api import deliveries, endpoints, feed, inbox, mail, rules

router = APIRouter()
for module in (inbox, rules, endpoints, deliveries, feed, mail):
    router.include_router(module.router)

__all__ = ["router"]
