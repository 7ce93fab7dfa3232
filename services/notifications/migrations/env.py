"""Alembic environment of the notifications database."""

from kelisim.migrations import run_env
from services.notifications.models import metadata

run_env(metadata)
