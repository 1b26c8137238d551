"""The composition root: every domain of the application, in order.

Adding a domain means one package with a `domain.py` declaring its `DOMAIN`, and one
line here. The app, the CLI, the demo, the migrations and the realtime channel read this
list; nothing else names the domains. The order is the order of routes, demo loaders
(plans before incidents: demo incidents name demo plans) and background tasks.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from typing import Any

from command.domain import Domain, Topic

DOMAIN_MODULES = (
    "command.auth.domain",
    "command.units.domain",
    "plans.domain",
    "command.incidents.domain",
    "command.interop.domain",
    "command.deadlines.domain",
    "command.desk.domain",
    "command.duty.domain",
    "command.notify.domain",
    "command.reviews.domain",
    "command.assessment.domain",
)


@cache
def domains() -> tuple[Domain, ...]:
    return tuple(importlib.import_module(name).DOMAIN for name in DOMAIN_MODULES)


def topics() -> dict[str, Topic]:
    """Every subscribable realtime topic by name."""
    return {
        topic.name: topic for domain in domains() for topic in domain.topics if topic.subscribable
    }


def health_checks() -> dict[str, Any]:
    """Each domain's health report, by domain name (for /api/health)."""
    return {domain.name: domain.health for domain in domains() if domain.health is not None}


def rule_checks() -> dict[str, Any]:
    """Each domain's check of its rule data, by domain name (for `watchfloor rules check`)."""
    return {d.name: d.rules_check for d in domains() if d.rules_check is not None}


def import_models() -> None:
    """Import every table module, so that one metadata holds the whole schema."""
    for module in _model_modules():
        importlib.import_module(module)


def _model_modules() -> Iterator[str]:
    yield "command.events"
    yield "command.idempotency"
    for domain in domains():
        yield from domain.models
