"""The scenario format: typed schema, safe YAML, the expression grammar, loading and checks.

`load_scenario(path, variant=..., overrides=...)` gives an immutable, compiled `Scenario`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wargame.scenario.loading import Scenario, load_scenario, load_scenario_text

__all__ = ["Scenario", "load_scenario", "load_scenario_text"]


def __getattr__(name: str) -> Any:
    """Load on first use: the compiler imports this package's schema, so no eager cycle."""
    if name in __all__:
        from wargame.scenario import loading

        return getattr(loading, name)
    raise AttributeError(f"module 'wargame.scenario' has no attribute '{name}'")
