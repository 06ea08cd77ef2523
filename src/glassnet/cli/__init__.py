"""The glassnet command: demo, train, evaluate, predict, info, sweep (and lecture, export,
playground, exercises, check), one module per subcommand; ``parser`` builds the command line.

Every user error ends with one line ``glassnet: error: ...`` on stderr and exit status 2, never a
traceback; Ctrl-C exits with status 130; ``lecture`` exits with status 1 when a claim is not
confirmed. Option values are checked by the same core functions the Python API uses, so the
messages are the API's.
"""

from __future__ import annotations

import os
import sys

from ..errors import GlassnetError
from .common import EXIT_INTERRUPTED, EXIT_NOT_CONFIRMED, EXIT_USER_ERROR, fail
from .parser import build


def main(argv: list[str] | None = None) -> int:
    """Run the glassnet command on ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors (status 2) from argparse
        return e.code if isinstance(e.code, int) else EXIT_USER_ERROR
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt as e:  # with a checkpoint, the message says how to resume
        print(f"\nglassnet: {str(e) or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except GlassnetError as e:
        return fail(str(e))
    except BrokenPipeError:  # the reader went away (e.g. `glassnet predict ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a file that cannot be read or written
        name = f" {e.filename}" if e.filename else ""
        return fail(f"{e.strerror or e}:{name}")


__all__ = ["EXIT_INTERRUPTED", "EXIT_NOT_CONFIRMED", "EXIT_USER_ERROR", "main"]
