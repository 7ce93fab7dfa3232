"""Issue 18, point 8: the merged API document is valid and says what the API does."""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.support.gateway import Stack

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


async def merged(stack: Stack) -> dict[str, Any]:
    answer = await stack.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    assert "x-kelisim-unavailable" not in doc
    return doc


async def test_the_merged_document_is_valid_openapi(stack: Stack):
    doc = await merged(stack)
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert len(operations(doc)) > 100


async def test_every_error_is_one_problem_schema(stack: Stack):
    doc = await merged(stack)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, method, op in operations(doc):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        assert {"400", "500"} <= errors.keys(), (method, path)
        for status, response in errors.items():
            content = response["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
        if "{" in path:
            assert "404" in errors, (method, path)
        if op.get("security"):
            assert {"401", "403"} <= errors.keys(), (method, path)
        if path.startswith("/api/v1/cases"):
            assert {"502", "503", "504"} <= errors.keys(), (method, path)


async def test_headers_ids_tags_examples_and_files(stack: Stack):
    doc = await merged(stack)
    ids = [op["operationId"] for _path, _method, op in operations(doc)]
    assert len(ids) == len(set(ids))
    assert max(map(len, ids)) <= 40
    assert "cases_list_cases" in ids
    tags = {t["name"]: t["description"] for t in doc["tags"]}
    for path, method, op in operations(doc):
        names = {p["name"] for p in op.get("parameters", [])}
        assert set(op["tags"]) <= tags.keys(), (method, path)
        if method != "get":
            assert "Idempotency-Key" in names, (method, path)
            assert "409" in op["responses"]
        if "If-Match" in names:
            assert "412" in op["responses"], (method, path)
            ok = next(r for s, r in op["responses"].items() if s.startswith("2"))
            assert "ETag" in ok.get("headers", {}), (method, path)
        for media, body in op.get("requestBody", {}).get("content", {}).items():
            assert "example" in body, (method, path, media)
            if media == "application/json":
                # The example satisfies the body's schema (refs resolved in the document).
                validator = Draft202012Validator(
                    {**body["schema"], "components": doc["components"]}
                )
                errors = [e.message for e in validator.iter_errors(body["example"])]
                assert not errors, (method, path, errors)
    created = doc["paths"]["/api/v1/users"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]

    def answer(path: str) -> list[str]:
        return list(doc["paths"][path]["get"]["responses"]["200"]["content"])

    assert answer("/api/v1/councils/sessions/{session_id}/results.csv") == ["text/csv"]
    assert answer("/api/v1/analytics/reports/{year}.pdf") == ["application/pdf"]
    assert answer("/api/v1/cases/{case_id}/timeline") == ["application/json", "text/csv"]
    assert "text/csv" in answer("/api/v1/analytics/exports/{name}.{fmt}")


async def test_the_documented_problem_matches_a_real_answer(stack: Stack):
    doc = await merged(stack)
    schema = {**doc["components"]["schemas"]["Problem"], "components": doc["components"]}
    missing = await stack.client.get("/api/v1/cases/nope", headers=stack.admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    Draft202012Validator(schema).validate(missing.json())
    assert isinstance(stack.client, httpx.AsyncClient)


def _resolved(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_every_list_answers_the_one_page_envelope(stack: Stack):
    """No GET answers a bare JSON array: a list is `items` plus `next_cursor` (Page[T])."""
    doc = await merged(stack)
    bare, pages = [], 0
    for path, method, op in operations(doc):
        if method != "get":
            continue
        content = op["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        shape = _resolved(doc, schema)
        if shape.get("type") == "array" or "items" in shape and "properties" not in shape:
            bare.append(f"GET {path}")
            continue
        members = shape.get("properties", {})
        listed = members.get("items")
        # A record may hold `items` of its own (a session's agenda); a record has an `id`.
        if (
            listed is not None
            and _resolved(doc, listed).get("type") == "array"
            and "id" not in members
        ):
            pages += 1
            assert "next_cursor" in shape["properties"], path
            assert "items" in shape.get("required", []), path
    assert not bare, f"bare arrays (answer kelisim.pagination.Page instead): {bare}"
    assert pages >= 39  # every list operation today
    # One generic schema per item type, each the same two members.
    named = [n for n in doc["components"]["schemas"] if n.startswith("Page_")]
    assert len(named) >= 32
    for name in named:
        assert set(doc["components"]["schemas"][name]["properties"]) == {"items", "next_cursor"}

    def item_of(path: str) -> str:
        answer = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        items = _resolved(doc, answer["schema"])["properties"]["items"]["items"]
        return str(items["$ref"]).rsplit("/", 1)[1]

    # Three services name an item SessionPublic: each page keeps its own item type.
    assert item_of("/api/v1/me/sessions") == "SessionPublic"
    assert item_of("/api/v1/cases/{case_id}/sessions") == "CasesSessionPublic"
    assert item_of("/api/v1/councils/{council_id}/sessions") == "CouncilsSessionPublic"


async def test_the_token_endpoint_documents_its_oauth2_refusals(stack: Stack):
    op = (await merged(stack))["paths"]["/api/v1/auth/token"]["post"]
    assert {"400", "429"} <= op["responses"].keys() and "422" not in op["responses"]
    refused = op["responses"]["400"]["description"]
    for code in ("invalid_grant", "invalid_request", "unsupported_grant_type"):
        assert code in refused and code in op["description"]
