"""The public face of the councils: pages, feeds and open data under /public, no login."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.web.pages.public import feeds, pages
from kelisim import web

router = APIRouter()
# Feeds first: their literal paths stay clear of /public/protocols/{id}.
web.include(router, feeds.router, pages.router)
