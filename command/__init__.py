"""Watchfloor command center: incidents, reports, reporting deadlines, compliance."""

__version__ = "0.1.0"
