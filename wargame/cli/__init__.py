"""The `wargame` command line (`wargame.cli.main` is the console entry point)."""

from wargame.cli.app import app, main

__all__ = ["app", "main"]
