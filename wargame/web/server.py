"""Start the dashboard: check the session file and the address first (a damaged session file
or a port in use is a message, not a traceback), then serve the Solara page with uvicorn."""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable
from pathlib import Path

from wargame.errors import WargameError
from wargame.web.access import Access
from wargame.web.config import ServeConfig, configure
from wargame.web.setup import offer, scenarios_in
from wargame.web.table import table_for


def prepare(
    session: Path, host: str, scenario: Path | None, folder: Path | None, token: str | None = None
) -> ServeConfig:
    """Load the session's game (if the file exists) and the scenarios on offer; the config
    every page reads. InputError for a damaged session file or a broken scenario FILE."""
    from wargame.scenario.loading import load_scenario

    access = Access.for_host(host, token)
    table = table_for(session, access)
    table.access = access
    offers = []
    if scenario is not None:
        offers.append(offer(load_scenario(scenario), scenario))
    if folder is not None and folder.is_dir():
        offers += [o for o in scenarios_in(folder) if scenario is None or o.path != scenario]
    config = ServeConfig(session, offers, access)
    configure(config)
    return config


def check_address(host: str, port: int) -> None:
    """Refuse an address that cannot be served before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise WargameError(f"--host {host}: not an address of this machine ({error})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise WargameError(
                f"cannot serve on {host}:{port}: {error.strerror or error}; choose another "
                "--port (or stop the program that holds it)"
            ) from None


def run(host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve the configured dashboard until interrupted."""
    os.environ["SOLARA_APP"] = "wargame.web.app"
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    import uvicorn

    from wargame.web import drawer

    drawer.start()  # from the main thread, deaf to Ctrl-C while it starts

    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning"
    )
    say(f"Serving the dashboard at http://{host}:{port}/ (Ctrl+C stops it)")
    uvicorn.Server(config).run()
