"""The `wargame` command line: one typer app; each command lives in a module of its own.

Exit codes: 0 success; 1 the command ran but failed (e.g. a human-controlled actor had no
moves); 2 bad input (file, option or saved state), with a message naming the file, the
place and the fix; 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import threading

import typer

from wargame.cli import (
    batch,
    play,
    replay,
    report,
    run,
    schema,
    score,
    sensitivity,
    serve,
    summary,
    validate,
)
from wargame.cli.consoles import err, plain_text_streams
from wargame.errors import WargameError

app = typer.Typer(
    help="Policy-response wargames: validate scenarios, run games, print the format.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(validate.validate)
app.command()(run.run)
app.command()(batch.batch)
app.command()(summary.summarize)
app.command()(sensitivity.sensitivity)
app.command()(schema.schema)
app.command()(play.play)
app.command()(replay.replay)
app.command()(report.report)
app.command()(score.score)
app.command()(serve.serve)


def main() -> None:
    """Console entry point: user errors become messages and exit codes, never tracebacks."""
    plain_text_streams()
    # pyarrow's allocator, chosen before pyarrow is imported: see batch.memory
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    threading.excepthook = _thread_failed
    try:
        code = app(standalone_mode=False)
    except WargameError as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        if done.exit_code == 130:
            err.print("interrupted; finished work is kept (a batch resumes with --resume)")
        sys.exit(done.exit_code)
    except MemoryError:
        err.print("error: out of memory; finished work is kept (a batch resumes with --resume)")
        sys.exit(1)
    except (KeyboardInterrupt, typer.Abort):
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as error:
        # click's usage errors (click is vendored inside newer typer, so match by shape)
        show, exit_code = getattr(error, "show", None), getattr(error, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


def _thread_failed(args: threading.ExceptHookArgs) -> None:
    """A background thread that fails (a worker pool's, out of memory) says so in a line;
    the command that waits on it reports what that means for the work."""
    name = args.thread.name if args.thread is not None else "a background thread"
    err.print(f"warning: {name} stopped: {args.exc_type.__name__}: {args.exc_value}", markup=False)
