"""Command handlers of the councils service, one module per part of the work.

Each handler is `handler(cmd, uow) -> result`: it loads what it needs, asks `lifecycle`
whether the caller's council role and the current state allow the action, then writes
rows, an audit entry and outbox events; the route commits once.
"""
