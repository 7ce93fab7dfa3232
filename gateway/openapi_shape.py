"""What the merged API document promises, made true to what the API does (issue 18, point 8).

FastAPI documents a 422 `HTTPValidationError` and nothing else; every error of Kelisim is an
RFC 9457 problem (kelisim.problems). This pass, run once on the merged document, documents
one `Problem` schema under every error status an operation can reach, by the rule that
produces it: any request may be refused by the gateway's guard (400, 414) or fail (500); a
secured one 401/403; one with path parameters 404; one with parameters or a body 422; one
with a body 413; a state-changing one 409 (a twin still running under the same
`Idempotency-Key`, or a state conflict) and declares `Idempotency-Key`; one with `If-Match`
400/412 and `ETag` on its answer and on its resource's read; a proxied one 502/503/504;
the token endpoint 429, and 400 rather than 422 for a malformed request (RFC 6749 §5.2). It
also gives each operation a short stable id (`<part>_<function>`), each tag a description,
each request body an example built from its schema, and names the content of file answers.
"""

from __future__ import annotations

import copy
import re
from typing import Any

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` is stable per kind of error "
    "(`urn:kelisim:problem:<kind>`). Some kinds add members (`errors`, `etag`, `request_id`).",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:kelisim:problem:not-found"]},
        "title": {"type": "string", "examples": ["Not Found"]},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path."},
    },
    "additionalProperties": True,
}
REASONS = {
    400: "The request is malformed (encoding, cursor, If-Match, query).",
    401: "No valid credentials.",
    403: "The caller's roles or scope do not reach this.",
    404: "No such resource (or not visible to the caller).",
    409: "A conflict: the resource's state forbids it, or the same Idempotency-Key is still "
    "being answered.",
    412: "If-Match names a version that is no longer current; the problem's `etag` is.",
    413: "The body is larger than this route accepts.",
    414: "The path or the query is too long.",
    422: "The input is not valid (the problem lists `errors`), or an Idempotency-Key was "
    "reused for another request.",
    429: "Too many attempts; wait as Retry-After says.",
    500: "An unexpected error; quote the problem's `request_id`.",
    502: "The service behind the gateway answered badly.",
    503: "The service behind the gateway is unavailable; retry after Retry-After.",
    504: "The service behind the gateway did not answer in time.",
}
TOKEN = "/api/v1/auth/token"
# The token endpoint's refusals carry RFC 6749's `error` and `error_description` as well.
TOKEN_REASONS = {
    400: "Refused as RFC 6749 §5.2 says, the problem carrying `error` and "
    "`error_description`: `invalid_grant` (a wrong username or password, the same answer "
    "whether or not the account exists, or a deactivated account), `invalid_request` (a "
    "missing or malformed field; the problem lists `errors`), `unsupported_grant_type` (not "
    "`password`); or refused by the gateway's guard.",
    429: "Too many failed logins for this name or from this address: the password was not "
    "checked; wait as Retry-After says (`error`: `invalid_grant`).",
}
TAGS = {
    "identity": "Signing in, tokens, your own account and API keys (the gateway).",
    "users": "User accounts, roles and scopes (administrators).",
    "cases": "Mediation cases: registration, assignment, sessions, outcome, escalation.",
    "councils": "Public accord councils: members, sessions, agenda, votes, protocols.",
    "public": "What anyone may read: councils, published protocols and recommendations.",
    "notifications": "In-app notifications, rules and the e-mail digest.",
    "liaison": "Escalations for law-enforcement liaisons: the pull feed and acknowledgement.",
    "webhooks": "Liaison webhook endpoints and their deliveries (signed, retried).",
    "analytics": "Figures, exports, early-warning alerts, reports and proposals.",
    "library": "The library of practice notes: review, search, useful marks.",
    "practice notes": "Practice notes drafted from closed cases and sent to the library.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A fresh UUID per intended change: a retry with the same key gets the "
    "first answer and changes nothing; the same key on another request is refused (422).",
    # Documented as a UUID (any string up to 200 is accepted): generated keys must not repeat.
    "schema": {"type": "string", "format": "uuid"},
}
ETAG = {
    "description": "The version of the resource, for If-Match on the next edit.",
    "schema": {"type": "string"},
}
LOCATION = {"description": "The created resource.", "schema": {"type": "string"}}
FILE_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}
WRITES = frozenset({"post", "put", "patch", "delete"})
METHODS = frozenset({"get", "head", "options", *WRITES})


def short_id(operation_id: str, path: str, method: str, part: str) -> str:
    """`<part>_<function>` from FastAPI's `<function><path>_<method>` id."""
    tail = re.sub(r"\W", "_", path) + "_" + method
    function = operation_id.removesuffix(tail) or operation_id
    return f"{part}_{function}"


def shape(doc: dict[str, Any], owners: dict[str, str]) -> dict[str, Any]:
    """Apply every rule to the merged document; `owners` maps a path to its part."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    seen: set[str] = set()
    used_tags: set[str] = set()
    for path, item in doc["paths"].items():
        guarded = {m for m, op in item.items() if m in METHODS and _has_if_match(op)}
        for method, op in item.items():
            if method not in METHODS:
                continue
            part = owners.get(path, "gateway")
            op_id = short_id(op.get("operationId", method), path, method, part)
            while op_id in seen:
                op_id += "_" + method
            op["operationId"] = op_id
            seen.add(op_id)
            op.setdefault("tags", [part])
            used_tags.update(op["tags"])
            _errors(op, path, method, proxied=part != "gateway")
            _headers(op, method, etag=bool(guarded) and (method in guarded or method == "get"))
            _example(op, doc)
            _files(op)
    doc["tags"] = [
        {"name": tag, "description": TAGS.get(tag, f"The {tag} part of the API.")}
        for tag in sorted(used_tags)
    ]
    return doc


def _has_if_match(op: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "if-match"
        for p in op.get("parameters", [])
    )


def _errors(op: dict[str, Any], path: str, method: str, *, proxied: bool) -> None:
    params = op.get("parameters", [])
    statuses = {400, 414, 500}
    if op.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if params or "requestBody" in op or "422" in op.get("responses", {}):
        statuses.add(422)
    if "requestBody" in op:
        statuses.add(413)
    if method in WRITES:
        statuses |= {409, 422}
    if _has_if_match(op):
        statuses.add(412)
    if proxied:
        statuses |= {502, 503, 504}
    responses = op.setdefault("responses", {})
    reasons = REASONS
    if path == TOKEN:  # RFC 6749 §5.2: 400 for a malformed request too, never 422
        statuses = (statuses - {422}) | {429}
        reasons = {**REASONS, **TOKEN_REASONS}
        responses.pop("422", None)  # FastAPI's own
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": reasons[status],
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }


def _headers(op: dict[str, Any], method: str, *, etag: bool) -> None:
    params = op.setdefault("parameters", [])
    if method in WRITES and not any(p.get("name") == "Idempotency-Key" for p in params):
        params.append(copy.deepcopy(IDEMPOTENCY_KEY))
    if not params:
        op.pop("parameters")
    for status, response in op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        if etag:
            response.setdefault("headers", {})["ETag"] = ETAG
        if status == "201" and op.get("operationId") == "gateway_create_user":
            response.setdefault("headers", {})["Location"] = LOCATION


def _files(op: dict[str, Any]) -> None:
    """A file answer names its media type, without FastAPI's schemaless JSON guess."""
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        guessed = content.get("application/json", {}).get("schema", {}) == {}
        if status.startswith("2") and FILE_CONTENT.keys() & content.keys() and guessed:
            content.pop("application/json", None)


def _example(op: dict[str, Any], doc: dict[str, Any]) -> None:
    for media, body in op.get("requestBody", {}).get("content", {}).items():
        if "example" in body or "examples" in body:
            continue
        if media == "text/csv":
            body["example"] = "region,category,month,count\nKZ-75,family,2025-01,4\n"
        elif "schema" in body:
            body["example"] = example_of(body["schema"], doc)


# Values tried for a string with a pattern, before falling back to a plain word.
PATTERN_GUESSES = (
    "KZ-75",
    "kk",
    "2025-01",
    "2025-01-15",
    "+77010000001",
    "user@example.kz",
    "en",
    "A-1",
    "a",
)


def example_of(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> Any:
    """A value that satisfies `schema`: its own example or default, else one built."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return example_of(doc["components"]["schemas"][name], doc, depth)
    for key in ("examples", "example", "default", "const", "enum"):
        if key in schema and schema[key] is not None:
            value = schema[key]
            return value[0] if key in ("examples", "enum") and isinstance(value, list) else value
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(choices[0], doc, depth)
    if "allOf" in schema:
        return example_of(schema["allOf"][0], doc, depth)
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        wanted = schema.get("required", list(props) if depth < 2 else [])
        value = {k: example_of(props[k], doc, depth + 1) for k in wanted if k in props}
        extra = schema.get("additionalProperties")
        if not value and isinstance(extra, dict) and schema.get("minProperties", 0) > 0:
            names = schema.get("propertyNames", {})
            key = example_of(names, doc, depth + 1) if names else "kk"
            value[key] = example_of(extra, doc, depth + 1)
        return value
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [example_of(schema.get("items", {}), doc, depth + 1) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    fixed = {
        "date": "2025-01-15",
        "date-time": "2025-01-15T09:00:00Z",
        "email": "user@example.kz",
        "uri": "https://liaison.example.kz/hooks/kelisim",
        "binary": "",
    }
    if fmt in fixed:
        return fixed[fmt]
    pattern = schema.get("pattern")
    if pattern:
        for guess in PATTERN_GUESSES:
            if re.search(pattern, guess):
                return guess
    word = "Example text"
    low, high = schema.get("minLength", 0), schema.get("maxLength", len(word))
    word = word[:high]
    return word + "x" * max(low - len(word), 0)
