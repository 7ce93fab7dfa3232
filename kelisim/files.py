"""Uploaded files, safely named on the way in and safely served on the way out.

A name keeps only its last path part, loses control and bidirectional-override characters,
and is bounded in length; it is sent back as an RFC 6266 attachment with an ASCII fallback
and the UTF-8 name in `filename*` (RFC 8187), so Kazakh and Russian names download as they
were. The media type is the uploader's only when it is on a short list of document types;
anything else is served as `application/octet-stream`, always with `nosniff`.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from fastapi import Response

MAX_NAME = 200
DEFAULT_NAME = "document"
FALLBACK_TYPE = "application/octet-stream"
# Types a browser handles as documents, never as a page or a script.
SAFE_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "image/png",
        "image/jpeg",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/zip",
        FALLBACK_TYPE,
    }
)


def _printable(char: str) -> bool:
    # Cc: control (NUL, CR, LF...); Cf: format, e.g. U+202E which makes "gpj.exe" look like a
    # jpg; Cs: lone surrogates; Zl/Zp: line and paragraph separators.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp")


def safe_filename(name: str) -> str:
    """The name to keep: last path part, printable characters only, at most MAX_NAME long."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/")
    base = PurePosixPath("/" + name).name if name else ""
    base = "".join(c for c in base if _printable(c)).strip().lstrip(".").strip()
    if not base:
        return DEFAULT_NAME
    if len(base) <= MAX_NAME:
        return base
    stem, dot, extension = base.rpartition(".")
    if dot and stem and 0 < len(extension) <= 10:
        return stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
    return base[:MAX_NAME]


def safe_media_type(declared: str | None) -> str:
    """The declared type when it is a known document type (text with UTF-8), else octet-stream."""
    essence = (declared or "").split(";", 1)[0].strip().lower()
    if essence not in SAFE_TYPES:
        return FALLBACK_TYPE
    return f"{essence}; charset=utf-8" if essence.startswith("text/") else essence


def _ascii_fallback(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in folded).strip()
    stem = cleaned.rpartition(".")[0] if "." in cleaned else cleaned
    if not stem.strip("_ ."):
        extension = cleaned.rpartition(".")[2] if "." in cleaned else ""
        return DEFAULT_NAME + (f".{extension}" if extension else "")
    return cleaned


def content_disposition(name: str) -> str:
    """An RFC 6266 attachment header value: ASCII `filename` and the UTF-8 `filename*`."""
    name = safe_filename(name)
    header = f'attachment; filename="{_ascii_fallback(name)}"'
    if not name.isascii() or _ascii_fallback(name) != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def attachment(
    content: bytes, name: str, media_type: str | None, headers: dict[str, str] | None = None
) -> Response:
    """A stored file as a download: safe name, safe media type, no sniffing, never inline."""
    return Response(
        content,
        media_type=safe_media_type(media_type),
        headers={
            **(headers or {}),
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
        },
    )


CSV = "text/csv"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_answer(*media_types: str) -> dict[int | str, dict[str, object]]:
    """A route's `responses=`: its 200 answer is a file of one of these types (OpenAPI)."""
    kinds = {CSV: {"type": "string"}}
    content = {
        t: {"schema": kinds.get(t, {"type": "string", "format": "binary"})} for t in media_types
    }
    return {200: {"content": content}}
