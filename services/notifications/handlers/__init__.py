"""Commands of the notifications service, one module per subject: handler(cmd, uow) -> result."""
