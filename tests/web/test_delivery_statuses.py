"""Every state the notifications service gives a webhook delivery or an e-mail reads in words
on the admin's pages, in each language: none is shown as its code ("succeeded")."""

from __future__ import annotations

import pytest

from gateway.web import labels
from services.notifications import lifecycle
from tests.support.browser import t


def test_every_delivery_status_the_service_gives_has_a_label() -> None:
    assert set(labels.DELIVERY_STATUSES) == set(lifecycle.DELIVERY_STATES)
    for step in lifecycle.DELIVERY.values():  # every state a move starts from or leads to
        assert {*step.sources, step.target} <= set(labels.DELIVERY_STATUSES)


def test_every_email_status_the_service_gives_has_a_label() -> None:
    assert set(labels.EMAIL_STATUSES) == set(lifecycle.EMAIL_STATES)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_delivered_webhook_reads_as_delivered(lang: str) -> None:
    label = labels.DELIVERY_STATUSES[lifecycle.SUCCEEDED]
    assert t(lang, label) not in ("", lifecycle.SUCCEEDED, label)
