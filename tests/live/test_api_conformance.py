"""The JSON API does what its OpenAPI document says. schemathesis sends every operation requests
made from the document (its examples, then fuzzing: a few cases each, deterministic), with an API
key, to a real uvicorn on each engine, and checks that no answer is a 5xx, that every status is
documented, and that every body matches its schema. (Its boundary phase, `coverage`, also passes;
it takes minutes, so it is run by hand: see the README.)"""

import subprocess
import sys
from pathlib import Path

from api.setup.api_keys.service import create_api_key
from tests.browser.conftest import run_live_server
from tests.factories import make_card, make_world

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


def test_the_api_matches_its_description(live_database_url: str, tmp_path: Path) -> None:
    with run_live_server(live_database_url, tmp_path) as server:
        with server.session() as session:
            world = make_world(session, name="Harbour Café")
            make_card(session, code=world.counter_code, comment="Lovely coffee")
            key, _ = create_api_key(session=session, organisation=world.organisation, name="Fuzz")
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                server.url("/api/v1/openapi.json"),
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                "3",
                "--generation-deterministic",
                "--no-color",
            ],
            cwd=tmp_path,  # where it keeps its notes (.schemathesis/)
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
