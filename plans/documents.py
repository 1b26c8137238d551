"""Plan documents: size limit, type checked by content (magic bytes), sha256 checksum.

A PDF starts with "%PDF-". A DOCX is a ZIP package (PK\\x03\\x04) whose directory names
word/document.xml and [Content_Types].xml; only the directory is read, nothing is inflated.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from command.errors import Invalid, TooLarge, Unsupported
from plans.rules import load_rules

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {"pdf": (".pdf",), "docx": (".docx",)}


@dataclass(frozen=True)
class Upload:
    filename: str
    kind: str
    content: bytes

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def document_limit(settings_limit: int) -> int:
    return min(settings_limit, load_rules().documents.max_bytes)


def _is_docx(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return {"[Content_Types].xml", "word/document.xml"} <= names


def sniff(content: bytes) -> str | None:
    """ "pdf", "docx" or None, from the bytes alone."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if _is_docx(content):
        return "docx"
    return None


def _clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return name[:255]


def check_upload(filename: str, content: bytes, *, limit: int) -> Upload:
    """The upload, or 413 over the limit, 422 empty, 415 not an allowed type by content."""
    if len(content) > limit:
        raise TooLarge(f"document exceeds the limit of {limit} bytes")
    if not content:
        raise Invalid("document", "document is empty", bare=True)
    allowed = load_rules().documents.types
    kind = sniff(content)
    if kind not in allowed:
        names = ", ".join(t.upper() for t in allowed)
        raise Unsupported(f"document content is not one of the allowed types ({names})")
    name = _clean_name(filename) or f"plan.{kind}"
    if not name.lower().endswith(EXTENSIONS[kind]):
        raise Unsupported(f"document {name!r} is a {kind.upper()} by content; name it *.{kind}")
    return Upload(filename=name, kind=kind, content=content)
