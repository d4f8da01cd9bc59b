"""Property-based API tests generated from the OpenAPI document (schemathesis), bounded in examples and time.

Every operation but the (endless) SSE stream is called with generated data, valid and invalid, against a real server
whose app loop runs on another thread, as in the kiosk. Responses must match the documented status codes, content
types and schemas, nothing may answer 5xx, and invalid input must be rejected with a 4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from app.settings import load_settings
from tests.server.conftest import ThreadedApp

OPERATIONS = [
    ("GET", "/health"),
    ("POST", "/api/sessions/{session_id}/messages"),
    ("GET", "/api/sessions"),
    ("GET", "/api/sessions/{session_id}"),
    ("GET", "/api/cart/{session_id}"),
    ("GET", "/api/products"),
    ("GET", "/api/products/{product_id}"),
    ("GET", "/api/products/{product_id}/image"),
    ("GET", "/api/products/{product_id}/photos/{position}"),
    ("GET", "/api/categories"),
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, demo_catalog_path: Path) -> Iterator[Any]:
    settings_ = load_settings({"data_dir": tmp_path_factory.mktemp("schema") / "data", "catalog": demo_catalog_path,
                               "api_port": 0, "api_post_burst": 10_000, "api_post_rate_per_min": 60_000}, environ={})
    app = ThreadedApp(settings_)
    url = app.start()
    try:
        yield schemathesis.openapi.from_url(url + "openapi.json")
    finally:
        app.stop()


def test_every_documented_operation_is_tested(api_schema: Any) -> None:
    documented = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert documented == {*OPERATIONS, ("GET", "/api/stream/{session_id}")}


# Operations without parameters have no invalid input to generate: they are checked with valid input only.
CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and path in ("/health", "/api/categories"))
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES,
                         ids=[f"{m} {p} {'valid' if g is GenerationMode.POSITIVE else 'invalid'}" for m, p, g in CASES])
def test_operation_conforms_to_the_document(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=10, deadline=3000, suppress_health_check=list(HealthCheck), database=None)
    def check(case: Any) -> None:
        case.call_and_validate(timeout=10)

    check()
