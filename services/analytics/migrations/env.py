"""Alembic environment of the analytics database."""

from kelisim.migrations import run_env
from services.analytics.models import metadata

run_env(metadata)
