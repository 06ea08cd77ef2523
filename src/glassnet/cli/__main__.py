"""``python -m glassnet.cli ARGS``: the glassnet command."""

from . import main

if __name__ == "__main__":
    raise SystemExit(main())
