"""Settings: each one documented, and the worker's slots consistent."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text()
    undocumented = [
        f"TELLUS_{name.upper()}"
        for name in Settings.model_fields
        if f"`TELLUS_{name.upper()}`" not in text
    ]
    assert undocumented == [], "document these in README's configuration table"


def test_one_organisations_share_of_a_worker_is_at_most_the_whole() -> None:
    with pytest.raises(ValidationError, match="TELLUS_WORKER_ORGANISATION_SLOTS"):
        Settings(worker_concurrency=2, worker_organisation_slots=3, _env_file=None)  # type: ignore[call-arg]
    settings = Settings(worker_concurrency=2, worker_organisation_slots=2, _env_file=None)  # type: ignore[call-arg]
    assert settings.worker_organisation_slots == 2
