"""The command line's two consoles: results to stdout, messages and progress to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# emoji=False: ':name:' in labels, paths or the JSON schema must print as written.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

FileArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
