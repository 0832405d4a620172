"""Who to tell when something changes: every open tab's redraw, for the live game and for a
background job alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Listeners:
    """Calls to make after every change; one that fails (a tab since closed) is dropped."""

    calls: list[Callable[[], None]] = field(default_factory=list)

    def add(self, call: Callable[[], None]) -> Callable[[], None]:
        """Call `call` after every change; returns the way to stop."""
        self.calls.append(call)
        return lambda: self.calls.remove(call) if call in self.calls else None

    def tell(self) -> None:
        for call in list(self.calls):
            try:
                call()
            except Exception:  # a closed tab's listener: it is dropped
                if call in self.calls:
                    self.calls.remove(call)
