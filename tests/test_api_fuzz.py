"""The API fuzzed from its own OpenAPI description (schemathesis), against the real server.

Every operation gets schema-valid and schema-breaking requests (schemathesis' generation modes),
with and without a staff token: no answer may be a server error, every answer must have a
documented status and media type and match its documented schema, and schema-breaking input must
be refused. The requests sent and the server errors seen are counted, and the server's log is read
for any 500 the checks might have missed.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from estimator.api.app import create_app

from . import api_server

EXAMPLES = 100
OPERATIONS = [(method.upper(), path) for path, ops in create_app().openapi()["paths"].items() for method in ops]
SENT = {"requests": 0, "server_errors": 0}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    s = api_server.start(tmp_path_factory.mktemp("fuzz"))
    s.auth = {"Authorization": f"Bearer {s.token('fuzzer')}"}
    s.schema = schemathesis.openapi.from_url(s.url + "/openapi.json")
    yield s
    api_server.stop(s)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("method, path", OPERATIONS)
def test_no_server_error_and_every_answer_as_documented(fuzz_server, method, path, mode):
    operation = fuzz_server.schema[path][method]
    # A batch answers a bad row in that row's result (200), by design: there only the request as a whole
    # (not a list, over the row limit) must be refused.
    rejects = mode == GenerationMode.NEGATIVE and path != "/v1/quotes"
    checks = CHECKS + ([negative_data_rejection] if rejects else [])

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        for headers in (None, fuzz_server.auth):
            response = case.call(base_url=fuzz_server.url, headers=headers, timeout=60)
            SENT["requests"] += 1
            SENT["server_errors"] += response.status_code >= 500
            case.validate_response(response, checks=checks)

    try:
        fuzz()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE and path == "/v1/health"  # no input at all: nothing to break
        pytest.skip("this operation takes no input to break")


def test_the_fuzz_sent_many_requests_and_the_server_logged_no_error(fuzz_server):
    """After the fuzz (pytest runs a module's tests in order, on one worker for this module's fixture)."""
    if SENT["requests"] == 0:
        pytest.skip("run with the fuzz tests above")
    print(f"fuzzed requests: {SENT['requests']}, server errors: {SENT['server_errors']}")
    assert SENT["server_errors"] == 0
    log = fuzz_server.log_text()
    assert " 500 " not in log and "unexpected" not in log
