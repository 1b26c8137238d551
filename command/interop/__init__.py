"""Interoperability: CAP 1.2 alerts out (per incident and as an Atom feed), CAP alerts in
(early warnings, 预警), and incident exports as CSV and XLSX. See docs/interop.md."""
