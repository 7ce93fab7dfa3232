"""Alembic environment of the councils database."""

from kelisim.migrations import run_env
from services.councils.models import metadata

run_env(metadata)
