"""The OpenAPI document as the API really answers: the one error envelope for every error it can send, JSON and
CSV for data, and none of FastAPI's default 422 responses (validation errors are answered 400 in the envelope).

A schemathesis run in the test suite (``tests/web/test_conformance.py``) checks the API against this document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA = {
    "title": "Error",
    "description": "Every error the API sends, whatever the status.",
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {"type": "string", "description": "What was wrong, naming the parameter."},
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
    },
    "required": ["ok", "error", "status"],
    "additionalProperties": False,
}
PAGE_SCHEMA = {
    "title": "Page",
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "enum": [True]},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 1},
        "offset": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"], "description": "The next page's path and query, or null."},
        "data": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["ok", "total", "limit", "offset", "next", "data"],
}
ONE_SCHEMA = {
    "title": "One",
    "type": "object",
    "properties": {"ok": {"type": "boolean", "enum": [True]}, "data": {"type": "object"}},
    "required": ["ok", "data"],
}
CSV = {"text/csv": {"schema": {"type": "string"}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before asking again.", "schema": {"type": "integer"}}}
ERRORS = {
    "400": "A parameter or the body is malformed; the message names it.",
    "404": "The thing asked for does not exist (unknown area, indicator, strategy …).",
    "408": "The request body did not arrive in time.",
    "414": "The URL is longer than 4,096 characters.",
    "429": "Too many requests that make the server compute, from this client or at once; see Retry-After.",
    "500": "The server failed; the error is logged.",
}
#: What each operation answers when it succeeds: (schema of JSON, also CSV?, other media types).
SUCCESS: dict[str, tuple[dict[str, Any] | None, bool, dict[str, Any]]] = {
    "paged": (PAGE_SCHEMA, True, {}),
    "one": (ONE_SCHEMA, True, {}),
    "json": ({"type": "object"}, False, {}),
    "json+csv": ({"type": "object"}, True, {}),
    "file": (None, True, {"application/zip": {"schema": {"type": "string", "format": "binary"}}}),
}


def kind(name: str) -> dict[str, Any]:
    """``openapi_extra`` for a route: which :data:`SUCCESS` shape it answers."""
    return {"x-prosperity-success": name}


def _shape(op: dict[str, Any]) -> str:
    """What a route that does not say answers: JSON and CSV if it takes ``format`` (a page if it is paged)."""
    params = {p.get("name") for p in op.get("parameters", [])}
    if "format" not in params:
        return "json"
    return "paged" if {"limit", "offset"} <= params else "json+csv"


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, built once per app and post-processed as the module docstring says."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Error"] = ERROR_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for ops in doc.get("paths", {}).values():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            shape = op.pop("x-prosperity-success", None) or _shape(op)
            schema, csv, other = SUCCESS[shape]
            content: dict[str, Any] = {}
            if schema is not None:
                content["application/json"] = {"schema": schema}
            if csv:
                content.update(CSV)
            content.update(other)
            responses["200"] = {"description": "Success.", "content": content}
            if method == "get":
                responses["304"] = {"description": "Not modified since the ETag given in If-None-Match."}
            codes = dict(ERRORS)
            if method == "post":
                codes["413"] = "The body is larger than 64 KiB."
            for code, text in codes.items():
                responses[code] = {"description": text, "content": error_ref}
            for code, response in responses.items():  # errors a route declares itself (409 …) use the envelope too
                if code[:1] in "45":
                    response["content"] = error_ref
            responses["429"]["headers"] = RETRY_AFTER
    app.openapi_schema = doc
    return doc
