"""Alembic environment of the cases database."""

from kelisim.migrations import run_env
from services.cases.models import metadata

run_env(metadata)
