"""python -m benchmarks --write-docs [--only demo,lecture,...]: regenerate docs/generated/.

The benchmark suite itself is ``python -m benchmarks.run`` (see benchmarks/run.py).
"""

from __future__ import annotations

import argparse

from .write_docs import GENERATORS, write_docs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--write-docs", action="store_true", help="write the Markdown fragments of docs/generated/"
    )
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(GENERATORS)}")
    args = parser.parse_args()
    if not args.write_docs:
        parser.error("pass --write-docs (the benchmarks themselves: python -m benchmarks.run)")
    write_docs(args.only.split(",") if args.only else None)


if __name__ == "__main__":
    main()
