"""``glassnet exercises --out DIR``: write the lecture as exercises, ``exercises.ipynb`` (ready
for nbgrader) and ``exercises.py`` (the same as a plain module); ``--solutions`` fills in
glassnet's reference solutions (the teacher's version)."""

from __future__ import annotations

from ..errors import GlassnetError


def run(args) -> int:
    from .. import exercises

    try:
        ipynb, py = exercises.write(args.out, solutions=args.solutions)
    except FileExistsError:
        raise GlassnetError(f"cannot write into {args.out}: it is a file") from None
    kind = "with the solutions" if args.solutions else "with empty stubs"
    print(f"wrote {ipynb} and {py}: {len(exercises.EXERCISES)} exercises, "
          f"{sum(exercises.POINTS.values())} points, {kind}")  # fmt: skip
    return 0
