"""The walls between the layers, checked on the source: a new crossing fails here.

- the core (db, events, config, http, errors, auth, units, vocabulary, …) imports no domain;
- realtime imports no domain;
- plans depends on the core only (not on the incident log, its deadlines or interop);
- only the composition root names the registry of domains.
Imports inside functions count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from command import registry
from command.domain import Domain
from command.migrate import alembic_config
from command.models import metadata

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("command.incidents", "command.deadlines", "command.interop", "plans")
CORE = (
    "command.auth",
    "command.units",
    "command.config",
    "command.db",
    "command.domain",
    "command.errors",
    "command.events",
    "command.headers",
    "command.health",
    "command.http",
    "command.idempotency",
    "command.ids",
    "command.jsontext",
    "command.logging",
    "command.metrics",
    "command.migrate",
    "command.openapi",
    "command.preconditions",
    "command.serving",
    "command.vocabulary",
)
# The composition root: what assembles the domains into an app, a CLI and a demo.
ROOT_MODULES = (
    "command.app",
    "command.cli",
    "command.demo",
    "command.lifecycle",
    "command.models",
    "command.registry",
    "command.routes",
    "command.migrations",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _modules(*packages: str) -> dict[str, set[str]]:
    found = {}
    for package in packages:
        base = ROOT / package.replace(".", "/")
        paths = base.rglob("*.py") if base.is_dir() else [base.with_suffix(".py")]
        for path in paths:
            if path.exists():
                found[_module_name(path)] = _imports(path)
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _crossings(modules: dict[str, set[str]], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in modules.items()
        for name in names
        if _under(name, forbidden) and not _under(module, forbidden)
    )


def _domain_declarations(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """A core package's own `domain.py` declares it to the registry and is no crossing."""
    return {name: names for name, names in modules.items() if not name.endswith(".domain")}


def test_the_core_imports_no_domain_and_not_realtime():
    core = _domain_declarations(_modules(*CORE))
    assert _crossings(core, (*DOMAINS, "realtime")) == []


def test_realtime_imports_no_domain():
    assert _crossings(_modules("realtime"), DOMAINS) == []


def test_plans_depend_on_the_core_only():
    plans = _modules("plans")
    assert _crossings(plans, ("command.incidents", "command.deadlines", "command.interop")) == []


def test_only_the_composition_root_names_the_registry():
    everything = _modules("command", "plans", "realtime")
    users = sorted(
        module
        for module, names in everything.items()
        if any(_under(name, ("command.registry",)) for name in names)
    )
    assert [m for m in users if not _under(m, ROOT_MODULES)] == []


def test_the_walls_would_catch_a_crossing(tmp_path):
    """The walk sees imports inside functions too."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from command.incidents.models import Incident\n")
    assert "command.incidents.models" in _imports(source)


def test_each_domain_is_declared_once_with_distinct_topics():
    domains = registry.domains()
    assert all(isinstance(domain, Domain) for domain in domains)
    names = [domain.name for domain in domains]
    assert len(names) == len(set(names))
    topics = [topic.name for domain in domains for topic in domain.topics]
    assert len(topics) == len(set(topics))
    assert set(registry.topics()) == {
        "incidents",
        "deadlines",
        "drills",
        "plans",
        "units",
        "duty",
        "calls",
        "reviews",
        "assessment",
        "escalations",
    }


def test_every_table_belongs_to_a_declared_model_module():
    declared = {module for domain in registry.domains() for module in domain.models}
    declared |= {"command.events", "command.idempotency"}
    for table in metadata.sorted_tables:
        owners = {
            mapper.class_.__module__
            for mapper in _mappers()
            if table in getattr(mapper, "tables", [mapper.local_table])
        }
        assert owners and owners <= declared, f"table {table.name} comes from {owners}"


def _mappers():
    from command.db import Base

    return [mapper for mapper in Base.registry.mappers]


def test_each_declared_migration_branch_exists():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    for domain in registry.domains():
        if domain.migrations is not None:
            assert domain.migrations in labels, f"{domain.name}: no branch {domain.migrations}"


@pytest.mark.parametrize("domain", registry.domains(), ids=lambda d: d.name)
def test_each_domain_routes_resolve(domain):
    routes = list(domain.routes())
    if domain.name not in ("auth",):
        assert routes, f"{domain.name} declares no route"
    assert all(hasattr(route, "path") for route in routes)


def test_the_incident_log_names_no_domain_that_builds_on_it():
    incidents = _modules("command.incidents")
    assert _crossings(incidents, ("command.deadlines", "command.interop", "plans")) == []


def test_the_deadline_hooks_listen_to_the_incident_log():
    from command.deadlines import hooks
    from command.incidents.listeners import listeners

    registry.domains()
    assert hooks in listeners()


# Each domain may build on those listed before it, never on one after it (nor on one of
# its own rank): the dependency runs one way, as docs/architecture.md draws it.
DOMAIN_RANKS = (
    ("plans",),
    ("command.incidents",),
    ("command.deadlines", "command.interop"),
    ("command.desk",),
    ("command.duty",),
    ("command.notify",),
    ("command.reviews",),
    ("command.assessment",),
)


@pytest.mark.parametrize("rank", range(len(DOMAIN_RANKS)))
def test_domains_build_only_on_those_before_them(rank):
    own = DOMAIN_RANKS[rank]
    later = tuple(name for group in DOMAIN_RANKS[rank:] for name in group)
    for package in own:
        others = tuple(name for name in later if name != package)
        assert _crossings(_modules(package), others) == [], package
