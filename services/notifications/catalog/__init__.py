"""The message catalog by concern: what each notice says, in Kazakh, Russian and English.

Titles and bodies are Jinja2 templates over the event's fields (which carry no personal
data of parties); `messages.py` renders them. The words follow the project glossary.
"""

from __future__ import annotations

from services.notifications.catalog.alerts import ALERTS, MONTHLY
from services.notifications.catalog.cases import CASES
from services.notifications.catalog.councils import COUNCILS, OPTIONAL

# topic -> lang -> (title, body)
CATALOG: dict[str, dict[str, tuple[str, str]]] = {**CASES, **COUNCILS, **ALERTS}

__all__ = ["CATALOG", "MONTHLY", "OPTIONAL"]
