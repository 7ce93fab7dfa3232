"""Alembic environment of the gateway database."""

from gateway.models import metadata
from kelisim.migrations import run_env

run_env(metadata)
