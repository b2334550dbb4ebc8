"""``exactsym construct``: certified full-functional-dimension settings over an architecture grid.

Wired by :mod:`exactsym.cli` (``add_arguments`` / ``cmd_construct``).
"""

from __future__ import annotations

import os
import sys

__all__ = ["add_arguments", "cmd_construct"]


def add_arguments(sp) -> None:
    sp.add_argument("--n0", default="1-3", metavar="LIST", help="input dimensions (default 1-3)")
    sp.add_argument("--widths", default="1-5", metavar="LIST", help="uniform hidden widths (default 1-5)")
    sp.add_argument("--depths", default="1-4", metavar="LIST", help="numbers of hidden layers (default 1-4)")
    sp.add_argument("--arch", action="append", default=[], metavar="ARCH",
                    help="an extra architecture, e.g. 3,4,2,1 (repeatable); with --only, just these")
    sp.add_argument("--only", action="store_true", help="only the --arch architectures")
    sp.add_argument("--no-mixed", action="store_true", help="leave out the built-in mixed-width examples")
    sp.add_argument("--seeds", default="64", metavar="N", help="random seeds screened per init (default 64)")
    sp.add_argument("--climb-rounds", default="40", metavar="N", help="float hill-climbing rounds (0: off)")
    sp.add_argument("--backend", default="numpy", choices=["numpy", "cuda"])
    sp.add_argument("-o", "--outdir", default=os.path.join("proofs", "examples", "construct"), metavar="DIR",
                    help="certificates, summary.md and summary.json go here")


def cmd_construct(args) -> int:
    from ..experiments.construct import construct_grid, default_grid, write_summary
    from ..experiments.screen import BackendUnavailable, get_backend
    from ..network.generate import parse_architecture
    from .common import UsageError, emit
    from .sweep import _int, parse_int_list
    n0s = parse_int_list(args.n0, "n0", 1, 16)
    widths = parse_int_list(args.widths, "widths", 1, 64)
    depths = parse_int_list(args.depths, "depths", 1, 16)
    seeds = _int(args.seeds, "seeds", 1, 100_000)
    climb = _int(args.climb_rounds, "climb-rounds", 0, 10_000)
    try:
        get_backend(args.backend)
    except BackendUnavailable as e:
        raise UsageError(str(e)) from None
    extra = []
    for a in args.arch:
        try:
            arch = parse_architecture(a)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if len(arch) < 3:
            raise UsageError(f"--arch {a!r}: needs at least one hidden layer")
        extra.append(arch)
    if args.only:
        if not extra:
            raise UsageError("--only needs at least one --arch")
        grid = extra
    else:
        full = default_grid(max(n0s), max(widths), max(depths))
        grid = [g for g in full
                if (len(set(g[1:-1])) > 1 and not args.no_mixed)
                or (g[0] in n0s and g[1] in widths and len(g) - 2 in depths and len(set(g[1:-1])) == 1)]
        grid += [a for a in extra if a not in grid]
    if os.path.exists(args.outdir) and not os.path.isdir(args.outdir):
        raise UsageError(f"-o {args.outdir!r}: not a directory")
    show = not args.quiet and not args.json

    def progress(i, n, r):
        if show:
            sys.stderr.write(f"construct [{i}/{n}] {'-'.join(map(str, r.architecture))}: rank {r.rank} of "
                             f"D-H = {r.bound}{' (full, certified)' if r.full else ''} in {r.seconds:.1f} s\n")

    res = construct_grid(grid, outdir=args.outdir, progress=progress, n_seeds=seeds, climb_rounds=climb,
                         backend=args.backend)
    table = write_summary(res, args.outdir)
    obj = {"outdir": args.outdir, "architectures": len(res), "full": sum(r.full for r in res),
           "results": [r.to_dict() for r in res]}
    if args.json:
        emit(args, obj, None)
    else:
        sys.stdout.write(table)
        sys.stdout.write(f"{obj['full']} of {len(res)} architectures certified at D - H; "
                         f"certificates in {args.outdir}\n")
    # 3: some architecture got no certified setting (docs/output.md)
    return 0 if obj["full"] == len(res) else 3
