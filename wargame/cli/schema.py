"""`wargame schema`: the JSON Schema of scenario files."""

from __future__ import annotations

import json
from typing import Any

from wargame.cli.consoles import out
from wargame.scenario.schema import ScenarioSpec


def schema() -> None:
    """Print the JSON Schema of scenario files (for editors that check YAML as you type)."""
    document: dict[str, Any] = ScenarioSpec.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "wargame scenario"
    out.print(json.dumps(document, indent=2), markup=False, soft_wrap=True)
