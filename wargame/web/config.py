"""What `wargame serve` was asked to serve: the session file, the scenarios on offer and the
token rule; set once before the server starts, read by every page."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wargame.web.access import Access
from wargame.web.setup import Offer


@dataclass
class ServeConfig:
    session: Path
    offers: list[Offer] = field(default_factory=list)
    access: Access = field(default_factory=lambda: Access(None))


_config: ServeConfig | None = None


def configure(config: ServeConfig) -> None:
    global _config
    _config = config


def current() -> ServeConfig:
    if _config is None:
        raise RuntimeError("the dashboard was not configured: start it with `wargame serve`")
    return _config
