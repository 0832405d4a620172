"""The page Solara serves (`SOLARA_APP=wargame.web.app`): the dashboard of the session file
`wargame serve` was given."""

from __future__ import annotations

import solara

from wargame.errors import WargameError
from wargame.web.config import current
from wargame.web.pages import Dashboard
from wargame.web.setup import problem_lines
from wargame.web.show import Lines
from wargame.web.table import table_for


@solara.component
def Page() -> None:
    config = current()
    router = solara.use_router()
    solara.Title("Wargame dashboard")
    try:
        table = table_for(config.session, config.access)
    except WargameError as error:
        with solara.Error():
            Lines([f"The session file {config.session} cannot be played:", *problem_lines(error)])
        return
    Dashboard(table, config.offers, router.search)
