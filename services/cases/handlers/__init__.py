"""Command handlers of the cases service, one module per verb: handler(cmd, uow) -> result."""
