"""What the notifications routes share: the prefix."""

from __future__ import annotations

PREFIX = "/api/v1/notifications"
