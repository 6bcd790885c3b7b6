"""API documentation rendered on the server from the OpenAPI schema: plain HTML with the
app's own stylesheet, no script and nothing from a CDN (the page's CSP allows neither,
and many deployments have no internet access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment
from litestar.openapi.plugins import OpenAPIRenderPlugin

from belegsync.web.templating import create_environment
from belegsync.web.types import WebRequest

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    where: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    body: str | None
    responses: list[tuple[str, str]]
    anchor: str = field(default="")


def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf") or []
        return " | ".join(_type_of(option) for option in options)
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    limits = [f"{key} {schema[key]}" for key in ("minimum", "maximum") if key in schema]
    return f"{kind} ({', '.join(limits)})" if limits else kind


def _anchor(method: str, path: str) -> str:
    return method + "-" + "".join(c if c.isalnum() else "-" for c in path.strip("/"))


def operations(schema: dict[str, Any]) -> list[Operation]:
    """The schema's operations in path order, flattened for the page."""
    found = []
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=[
                        Parameter(
                            p["name"],
                            p.get("in", ""),
                            bool(p.get("required")),
                            _type_of(p.get("schema", {})),
                            p.get("description", ""),
                        )
                        for p in op.get("parameters", [])
                    ],
                    body=", ".join(body) or None,
                    responses=[
                        (code, response.get("description", ""))
                        for code, response in sorted(op.get("responses", {}).items())
                    ],
                    anchor=_anchor(method, path),
                )
            )
    return found


class ApiDocsPage(OpenAPIRenderPlugin):
    """``/api/schema`` (and ``/api/schema/docs``): the API as a readable page."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/docs"])
        self._environment: Environment = create_environment()

    def render(self, request: WebRequest, openapi_schema: dict[str, Any]) -> bytes:
        page = self._environment.get_template("api_docs.html").render(
            info=openapi_schema.get("info", {}),
            operations=operations(openapi_schema),
            json_url=self.get_openapi_json_route(request),
        )
        return page.encode("utf-8")
