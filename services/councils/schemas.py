"""API shapes of the councils service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["republic", "region", "district", "enterprise"]


class CouncilCreate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    level: Level
    region: str | None = Field(default=None, pattern=r"^KZ-\d{2}$")


class CouncilPublic(BaseModel):
    id: str
    name: str
    level: str
    region: str | None
    created_at: datetime
