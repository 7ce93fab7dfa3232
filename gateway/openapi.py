"""One API document for the whole public API: the gateway's routes plus each service's paths.

Service documents are fetched through the gateway's pooled clients (`gateway.calls`) and
cached; a service that is down is listed under `x-kelisim-unavailable` instead of failing
the whole document. Swagger UI is served from assets vendored out of the npm package
swagger-ui-dist, so it works offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from gateway.calls import ServiceCalls
from gateway.openapi_shape import shape
from gateway.permissions import PROXIED_SERVICES

OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/docs"
ASSETS = Path(__file__).parent / "static" / "swagger-ui"
# Swagger UI started by a static script, not an inline one: the gateway's CSP allows no inline.
DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kelisim API</title>
<link rel="stylesheet" href="{DOCS_URL}/assets/swagger-ui.css">
<link rel="icon" href="{DOCS_URL}/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-url="{OPENAPI_URL}"></div>
<script src="{DOCS_URL}/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""
SECURITY = [{"OAuth2PasswordBearer": []}]


def _prefixed(service: str, name: str) -> str:
    """A clashing schema's name in the merged document: the service's, `Page_` kept first."""
    if name.startswith("Page_"):
        return f"Page_{service.capitalize()}{name.removeprefix('Page_')}"
    return f"{service.capitalize()}{name}"


def _renamed(part: Any, renames: dict[str, str]) -> Any:
    """`part` with its references to renamed schemas following them."""
    text = json.dumps(part)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    return json.loads(text)


def _merge_service(doc: dict[str, Any], service: str, part: dict[str, Any]) -> None:
    """Add a service's paths and schemas; a clashing schema name is prefixed with the service."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    theirs = part.get("components", {}).get("schemas", {})
    # To a fixed point: a schema that only refers to a renamed one (Page[SessionPublic] of
    # cases beside the gateway's) clashes too, though its own text is the same.
    renames: dict[str, str] = {}
    while True:
        clashing = {
            name: _prefixed(service, name)
            for name, schema in theirs.items()
            if name not in renames
            and name in schemas
            and schemas[name] != _renamed(schema, renames)
        }
        if not clashing:
            break
        renames.update(clashing)
    part = _renamed(part, renames)
    for name, schema in part.get("components", {}).get("schemas", {}).items():
        schemas.setdefault(renames.get(name, name), schema)
    for path, item in part.get("paths", {}).items():
        if not (path == f"/api/v1/{service}" or path.startswith(f"/api/v1/{service}/")):
            continue
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("security", SECURITY)
        doc["paths"][path] = item


async def merged_openapi(app: FastAPI, calls: ServiceCalls) -> dict[str, Any]:
    """The gateway's own document with every reachable service's paths merged in."""
    doc = get_openapi(
        title="Kelisim API",
        version=app.version,
        description="The public API of Kelisim, through the gateway.",
        routes=app.routes,
    )
    doc.setdefault("paths", {})
    owners = dict.fromkeys(doc["paths"], "gateway")
    missing = []
    for service in PROXIED_SERVICES:
        part = await calls.openapi(service)
        if part is None:
            missing.append(service)
            continue
        _merge_service(doc, service, part)
    owners.update({path: s for path in doc["paths"] if (s := _owner(path)) is not None})
    if missing:
        doc["x-kelisim-unavailable"] = missing
    return shape(doc, owners)


def _owner(path: str) -> str | None:
    service = path.removeprefix("/api/v1/").split("/", 1)[0]
    return service if service in PROXIED_SERVICES else None


def install(app: FastAPI) -> None:
    """Serve the merged document and Swagger UI with local assets."""

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi_json() -> JSONResponse:
        return JSONResponse(await merged_openapi(app, app.state.calls))

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    app.mount(f"{DOCS_URL}/assets", StaticFiles(directory=ASSETS), name="swagger-ui")
