"""Incidents and reports as the API shows them: one dict shape for responses, event
payloads, realtime snapshots and exports (schemas.IncidentOut documents it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from command.incidents.models import Incident, Report
from command.preconditions import entity_tag


def unit_code(path: str) -> str:
    """The code of the unit at the end of a materialized path."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "incident_id": report.incident_id,
        "kind": report.kind,
        "seq": report.seq,
        "channel": report.channel,
        "unit": unit_code(report.unit_path),
        "summary": report.summary,
        "measures": report.measures,
        "casualties": {
            "dead": report.dead,
            "missing": report.missing,
            "injured": report.injured,
        },
        "affected": report.affected,
        "loss": report.loss,
        "missing_facts": list(report.missing_facts),
        "received_at": _iso(report.received_at),
        "device_time": _iso(report.device_time),
        "device_time_flagged": bool(report.device_time_flagged),
        "submitted_by": report.submitted_by,
        "logged_by": report.logged_by,
        "scope": report.scope or "",
        "development": report.development or "",
        "leaders": report.leaders or "",
        "to": list(report.addressees) if report.addressees else None,
        "verified": bool(report.verified),
        "supplement": bool(report.supplement),
        "explanation": report.explanation or "",
    }


def correction_dict(correction: Any) -> dict[str, Any]:
    return {
        "id": correction.id,
        "incident_id": correction.incident_id,
        "report_id": correction.report_id,
        "unit": unit_code(correction.unit_path),
        "by_centre": correction.by_centre,
        "changes": correction.changes,
        "reason": correction.reason,
        "explanation": correction.explanation,
        "supplement": correction.supplement,
        "at": _iso(correction.at),
        "actor": correction.actor,
    }


def incident_fields(incident: Incident) -> dict[str, Any]:
    """The incident without its reports (GeoJSON feature properties use this)."""
    return {
        "id": incident.id,
        "title": incident.title,
        "category": incident.category,
        "type": incident.type,
        "level": incident.level,
        "status": incident.status,
        "source": incident.source,
        "occurred_at": _iso(incident.occurred_at),
        "learned_at": _iso(incident.learned_at),
        "received_at": _iso(incident.received_at),
        "updated_at": _iso(incident.updated_at),
        "closed_at": _iso(incident.closed_at),
        "unit": unit_code(incident.unit_path),
        "unit_path": incident.unit_path,
        "geometry": incident.geometry,
        "lon": incident.lon,
        "lat": incident.lat,
        "sensitive": incident.sensitive,
        "exercise": incident.exercise,
        "summary": incident.summary,
        "measures": incident.measures,
        "casualties": {
            "dead": incident.dead,
            "missing": incident.missing,
            "injured": incident.injured,
        },
        "affected": incident.affected,
        "loss": incident.loss,
        "created_by": incident.created_by,
        "acknowledged_at": _iso(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "version": incident.version,
    }


def etag(incident: Incident) -> str:
    """The incident's entity tag (RFC 9110): it changes with every change of the row."""
    return entity_tag(incident.id, incident.version)


def incident_dict(incident: Incident) -> dict[str, Any]:
    """The incident with its reports; the reports must be loaded (see service.WITH_REPORTS)."""
    return {**incident_fields(incident), "reports": [report_dict(r) for r in incident.reports]}


def bounded(fields: dict[str, Any], incident: Incident) -> dict[str, Any]:
    """`fields` of the incident with its outline for a geometry: what travels (events, the
    stream, screens, CAP) stays small however big the geometry; the full one is at
    GET /api/incidents/{id} (`geometry_simplified` says so)."""
    if incident.outline is None:
        return fields
    return {**fields, "geometry": incident.outline, "geometry_simplified": True}


def incident_event_dict(incident: Incident) -> dict[str, Any]:
    """incident_dict as events and screens carry it (see bounded)."""
    return bounded(incident_dict(incident), incident)
