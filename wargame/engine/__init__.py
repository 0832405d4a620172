"""The game engine: state, keyed dice, the compiled program, policies, resolver, Mesa model.

It imports nothing from batch, files, stats, seminar, report, web or the CLI (checked by the
import-linter contracts in pyproject.toml), so every front end stands on it alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wargame.engine.model import WargameModel

__all__ = ["WargameModel"]


def __getattr__(name: str) -> Any:
    """Load the model (and mesa, ~0.7 s) only when asked for."""
    if name == "WargameModel":
        from wargame.engine.model import WargameModel

        return WargameModel
    raise AttributeError(f"module 'wargame.engine' has no attribute '{name}'")
