"""Errors a consumer handler may raise to steer redelivery."""


class PermanentError(Exception):
    """The message can never succeed: dead-letter it and move on."""
