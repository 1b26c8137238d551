"""How incidents map onto CAP 1.2 and back: the numbers and words, as data.

Every mapping here is a project decision documented in docs/interop.md; the code in cap.py
and cap_import.py only looks things up. Change a mapping here, not in the code.
"""

from __future__ import annotations

import re
from datetime import timedelta

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
LANGUAGES = ("zh-CN", "en-US")
# Which received info block describes a warning: the first whose language starts with one
# of these, else the first block.
PREFERRED_LANGUAGES = ("zh", "en")

# --- the alert ------------------------------------------------------------------------
# Incident traffic is official information between emergency offices, not a public
# warning (issuing those is a separate legal process, 预警发布), hence Restricted.
SCOPE = "Restricted"
RESTRICTION = "应急管理部门内部信息 / for emergency management agencies only"
SOURCE = "Watchfloor"
# Geocode name for the 6-digit administrative division code (and township codes) of units;
# received geocodes under any of LINK_GEOCODES that name a unit's code link that unit.
GEOCODE_NAME = "GB/T 2260"
LINK_GEOCODES = ("GB/T 2260", "ADCODE", "行政区划代码")
# Our own codes travel as eventCode/parameter with these names, so an alert we exported
# comes back with its category and level exact rather than reverse-mapped.
CATEGORY_CODE = "watchfloor:category"
TYPE_CODE = "watchfloor:type"
LEVEL_PARAMETER = "watchfloor:level"
INCIDENT_PARAMETER = "watchfloor:incident"
FIGURE_PARAMETER = "watchfloor:{figure}"
FIGURES = ("dead", "missing", "injured", "affected", "loss")
IDENTIFIER = "wf-incident-{incident}-{event}"
INCIDENTS = "wf-incident-{incident}"
# The fields of an incident snapshot that a CAP message shows: a change to anything else
# (report bookkeeping, updated_at) sends no new message.
MESSAGE_FACTS = (
    "title",
    "category",
    "type",
    "level",
    "status",
    "geometry",
    "unit",
    "summary",
    "measures",
    "casualties",
    "affected",
    "loss",
    "exercise",
    "occurred_at",
)
CLOSED = "closed"

# --- category, urgency, severity, certainty ---------------------------------------------
# CAP categories of an incident category; the first one decides the way back (REVERSE).
CAP_CATEGORIES = {
    "natural": ("Met",),
    "accident": ("Safety",),
    "health": ("Health",),
    "social": ("Security",),
}
# Incident types (lower-case words or Chinese terms in `type`) that pick other categories.
TYPE_CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "natural": {
        "earthquake": ("Geo",),
        "地震": ("Geo",),
        "landslide": ("Geo",),
        "滑坡": ("Geo",),
        "泥石流": ("Geo",),
        "debris flow": ("Geo",),
        "forest fire": ("Env", "Fire"),
        "grassland fire": ("Env", "Fire"),
        "森林": ("Env", "Fire"),
        "草原火": ("Env", "Fire"),
    },
    "accident": {
        "fire": ("Safety", "Fire"),
        "火灾": ("Safety", "Fire"),
        "traffic": ("Safety", "Transport"),
        "交通": ("Safety", "Transport"),
        "chemical": ("Safety", "CBRNE"),
        "危化": ("Safety", "CBRNE"),
        "pollution": ("Safety", "Env"),
        "污染": ("Safety", "Env"),
        "power": ("Safety", "Infra"),
        "停电": ("Safety", "Infra"),
        "mine": ("Safety", "Rescue"),
        "矿": ("Safety", "Rescue"),
    },
}
REVERSE_CATEGORIES = {
    "Geo": "natural",
    "Met": "natural",
    "Env": "natural",
    "Safety": "accident",
    "Rescue": "accident",
    "Fire": "accident",
    "Transport": "accident",
    "Infra": "accident",
    "CBRNE": "accident",
    "Health": "health",
    "Security": "social",
}
SEVERITY = {"I": "Extreme", "II": "Severe", "III": "Moderate", "IV": "Minor", None: "Unknown"}
LEVEL_OF_SEVERITY = {severity: level for level, severity in SEVERITY.items()}
URGENCY = {
    "reported": "Expected",
    "verified": "Expected",
    "responding": "Immediate",
    "stabilized": "Expected",
    "closed": "Past",
}
# Open incidents of these levels are always Immediate.
IMMEDIATE_LEVELS = ("I", "II")
CERTAINTY = {
    "reported": "Likely",
    "verified": "Observed",
    "responding": "Observed",
    "stabilized": "Observed",
    "closed": "Observed",
}
RESPONSE_TYPES = {
    "reported": ("Monitor",),
    "verified": ("Monitor",),
    "responding": ("Monitor",),
    "stabilized": ("Monitor",),
    "closed": ("AllClear",),
}

# --- areas -------------------------------------------------------------------------------
# A Point has no extent; the circle around it grows with the level (project defaults, km).
POINT_RADIUS_KM = {"I": 10.0, "II": 5.0, "III": 2.0, "IV": 1.0, None: 1.0}
# A LineString (a dike, a road) becomes the polygon this far either side of it (km).
LINE_BUFFER_KM = 0.5
# Decimal places of coordinates this system computes (buffers); 6 places is about 0.1 m.
# Coordinates taken from an incident's geometry are written exactly as stored.
COMPUTED_DECIMALS = 6

# --- the Atom feed -----------------------------------------------------------------------
# A closed incident stays in the feed this long, so subscribers receive its Cancel.
CANCEL_RETENTION = timedelta(hours=24)
FEED_LIMIT = 200

# --- words -------------------------------------------------------------------------------
CATEGORY_NAMES = {
    "zh-CN": {
        "natural": "自然灾害",
        "accident": "事故灾难",
        "health": "公共卫生事件",
        "social": "社会安全事件",
    },
    "en-US": {
        "natural": "natural disaster",
        "accident": "accident",
        "health": "public health incident",
        "social": "social security incident",
    },
}
LEVEL_NAMES = {
    "zh-CN": {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般", None: "未定级"},
    "en-US": {
        "I": "Level I (particularly serious)",
        "II": "Level II (serious)",
        "III": "Level III (relatively serious)",
        "IV": "Level IV (general)",
        None: "unassessed",
    },
}
TEXT = {
    "zh-CN": {
        "headline": "{exercise}{title}",
        "event": "{category}（{type}）",
        "exercise": "【演练】",
        "figures": "死亡{dead}人，失踪{missing}人，受伤{injured}人，受影响{affected}人，"
        "直接经济损失{loss}万元。",
        "closed": "事件已处置结束。",
        "note": "演练：事件 {incident}",
    },
    "en-US": {
        "headline": "{exercise}{level} {category} in {unit}",
        "event": "{category} ({type})",
        "exercise": "[EXERCISE] ",
        "figures": "Dead {dead}, missing {missing}, injured {injured}, affected {affected}; "
        "direct economic loss {loss} × 10,000 CNY.",
        "original": "Reported in Chinese: {title}. {summary}",
        "closed": "The incident is closed.",
        "note": "Exercise: incident {incident}",
    },
}
HEADLINE_MAX = 160

# --- the sender --------------------------------------------------------------------------
# Settings.cap_sender (WATCHFLOOR_CAP_SENDER) signs our alerts; command/config.py checks it.
# CAP 1.2 §3.2.1: sender and identifier contain no spaces, commas or restricted characters.
TOKEN = re.compile(r"[^\s,<&]+")
