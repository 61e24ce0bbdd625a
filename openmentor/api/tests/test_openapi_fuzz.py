"""Schemathesis drives every read endpoint of the OpenAPI document with generated input:
no request, however odd, may cause a server error, and every answer matches the schema's
status codes."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def token(program: Any, mentorship: Any, bob: Any) -> str:
    from openmentor.accounts.services import create_access_token

    _token, raw = create_access_token(bob, "fuzz")
    return raw


@pytest.mark.django_db(transaction=True)
@schema.include(method="GET").parametrize()
@settings(
    max_examples=int(os.environ.get("OPENMENTOR_FUZZ_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_read_endpoints_never_fail_on_generated_input(case: Any, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[schemathesis.checks.not_a_server_error],
    )
