"""When to restart a child: exponential backoff, a limit in a row, a reset once it is stable."""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.settings import Settings


@dataclass(frozen=True)
class RestartPolicy:
    """Delays double from `backoff` up to `backoff_max`; after `limit` restarts in a row, stop."""

    backoff: float = 0.5
    backoff_max: float = 30.0
    limit: int = 5
    stable: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RestartPolicy:
        return cls(
            backoff=settings.supervisor_backoff_seconds,
            backoff_max=settings.supervisor_backoff_max_seconds,
            limit=settings.supervisor_restart_limit,
            stable=settings.supervisor_stable_seconds,
        )


@dataclass
class RestartBudget:
    """One child's restarts in a row (since it was last stable)."""

    policy: RestartPolicy
    in_a_row: int = 0

    def next_delay(self) -> float | None:
        """The wait before the next restart, or None when the limit is reached (give up)."""
        if self.in_a_row >= self.policy.limit:
            return None
        delay: float = min(self.policy.backoff * 2.0**self.in_a_row, self.policy.backoff_max)
        self.in_a_row += 1
        return delay

    def healthy_for(self, seconds: float) -> None:
        """A child that answered for `stable` seconds has its budget back."""
        if seconds >= self.policy.stable:
            self.in_a_row = 0
