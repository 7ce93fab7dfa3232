"""The analytics service's handlers: events into counters, imports, alerts, proposals."""
