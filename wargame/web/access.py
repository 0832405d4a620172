"""Who may change the game: on the loopback address everyone at the page; on any other
address only who gives the facilitator token printed at start (players' views read-only)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from wargame.errors import WargameError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1, localhost: only this machine can reach the server."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A facilitator token: 128 random bits, typed or pasted once per tab."""
    return secrets.token_urlsafe(16)


class Access:
    """The token rule of one server: `token` None means every page may change the game."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    @classmethod
    def for_host(cls, host: str, token: str | None = None) -> Access:
        """No token on loopback; on any other address the given one or a new one."""
        return cls(None if is_loopback(host) else (token or new_token()))

    @property
    def needed(self) -> bool:
        return self.token is not None

    def allows(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def check(self, given: str | None) -> None:
        """Refuse a change without the right token (the game is left as it was)."""
        if not self.allows(given):
            raise WargameError(
                "this control changes the game and needs the facilitator token: enter the "
                "token printed when the server started (players' views are read-only)"
            )
