"""API shapes of the cases service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Category = Literal[
    "interethnic", "interfaith", "community", "family", "labour", "land", "neighbour", "other"
]


class CaseCreate(BaseModel):
    region: str = Field(pattern=r"^KZ-\d{2}$")
    category: Category
    description: str = Field(default="", max_length=10000)


class CasePublic(BaseModel):
    id: str
    number: str
    region: str
    category: str
    status: str
    registered_at: datetime
