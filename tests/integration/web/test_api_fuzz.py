"""schemathesis against the app's own OpenAPI schema: generated requests to every API
operation (valid ones and ones that break the schema) never get a server error."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case

from belegsync.accounts.api_tokens import create_api_token
from support.web_stack import WebStack, connect_and_sync

EXAMPLES_PER_OPERATION = 25


def _cases(schema_document: dict[str, Any]) -> list[Case[Any]]:
    schema = schemathesis.openapi.from_dict(schema_document)
    cases: list[Case[Any]] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def collect(case: Case[Any]) -> None:
                cases.append(case)

            collect()
    return cases


async def test_generated_requests_never_get_a_server_error(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    token = await create_api_token(
        uow_factory=stack.deps.uow_factory,
        clock=stack.deps.clock,
        ctx=stack.ctx(stack.tenant_a),
        name="fuzz",
    )
    failures = []
    async with stack.browser() as b:
        schema_document = (await b.get("/api/schema/openapi.json")).json()
        cases = _cases(schema_document)
        assert len({(c.method, c.path) for c in cases}) >= 8
        for case in cases:
            headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
            headers.setdefault("Authorization", f"Bearer {token.token}")
            content = None
            if case.body is not None and not isinstance(case.body, bytes | str):
                content = json.dumps(case.body, default=str).encode()
                headers.setdefault("Content-Type", case.media_type or "application/json")
            elif case.body is not None:
                content = case.body.encode() if isinstance(case.body, str) else case.body
            r = await b.client.request(
                case.method,
                case.formatted_path,
                params=case.query or None,
                headers=headers,
                content=content,
            )
            if r.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, r.text[:200]))
    assert failures == []
