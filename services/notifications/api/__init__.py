"""Thin routes of the notifications service: parse, authorise, build a command, run it."""

from __future__ import annotations

from fastapi import APIRouter

from kelisim import web
from services.notifications.api import deliveries, endpoints, feed, inbox, mail, rules

router = APIRouter()
for module in (inbox, rules, endpoints, deliveries, feed, mail):
    web.include(router, module.router)

__all__ = ["router"]
