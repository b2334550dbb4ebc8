"""``exactsym reproduce CSV -o DIR``: figures and the float-disagreement table from a sweep CSV.

Wired by :mod:`exactsym.cli` (``add_arguments`` / ``cmd_reproduce``).
"""

from __future__ import annotations

import os
import sys

__all__ = ["add_arguments", "cmd_reproduce"]


def add_arguments(sp) -> None:
    sp.add_argument("csv", metavar="CSV", help="a sweep CSV (exactsym sweep -o CSV)")
    sp.add_argument("-o", "--outdir", default=".", metavar="DIR", help="where to write PNGs and tables")
    sp.add_argument("--prefix", default="fdim", help="file name prefix (default fdim)")


def cmd_reproduce(args) -> int:
    from ..experiments.reproduce import reproduce
    from .common import UsageError, emit
    if not os.path.isfile(args.csv):
        raise UsageError(f"{args.csv}: no such file")
    if os.path.exists(args.outdir) and not os.path.isdir(args.outdir):
        raise UsageError(f"-o {args.outdir!r}: not a directory")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("reproduce needs matplotlib (pip install 'exactsym[plot]')") from None
    try:
        res = reproduce(args.csv, args.outdir, prefix=args.prefix)
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0]) from None
    if args.json:
        emit(args, res, None)
    else:
        lines = [f"{res['rows']} trials over {res['architectures']} architectures: "
                 f"fdim = D - H proven for {res['full_proven']}, undecided {res['undecided']}, "
                 f"float says full for {res['float_full']}"]
        lines += [f"figure {p}" for p in res["figures"]]
        lines.append(f"table  {res['table_md']} ({res['disagreeing_architectures']} architectures "
                     f"where float disagreed)")
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
