"""Short references people can say on the phone, derived from opaque ids.

An escalation's reference (`4821-0937`) is eight digits taken from a digest of its id:
the cases service (the coordinator's case page) and the notifications service (the
liaison's feed) derive the same one without a shared table or a new event field, and it
reveals nothing of the case number. Digits read the same in Kazakh, Russian and English;
two escalations share one with a chance of 1 in 10^8, and the full id stays the key.
"""

from __future__ import annotations

import hashlib


def escalation_reference(escalation_id: str) -> str:
    """The escalation's spoken reference: eight digits in two groups of four."""
    digest = hashlib.sha256(b"kelisim-escalation:" + escalation_id.encode()).digest()
    number = int.from_bytes(digest[:8], "big") % 10**8
    return f"{number // 10**4:04d}-{number % 10**4:04d}"
