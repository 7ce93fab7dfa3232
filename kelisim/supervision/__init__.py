"""`kelisim up`: the embedded system (nats-server, services, gateway) under a process manager.

`system` knows what is installed and where it listens, `child` runs one process, `health`
probes whether it answers, `policy` decides when to restart, `supervisor` ties them together.
"""

from kelisim.supervision.supervisor import Supervisor
from kelisim.supervision.system import (
    SupervisorError,
    owner_module,
    present,
    present_owners,
)

__all__ = ["Supervisor", "SupervisorError", "owner_module", "present", "present_owners"]
