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
    sp.add_argument("--backend", default="numpy", choices=["numpy", "cuda"],
                    help="float screening backend (cuda needs CuPy and a GPU)")
    sp.add_argument("-o", "--outdir", default=os.path.join("proofs", "examples", "construct"), metavar="DIR",
                    help="certificates, summary.md and summary.json go here")
    sp.add_argument("--depth", type=int, choices=[3], default=None,
                    help="theorem examples instead: for every (n0, w, w, n3) with n0 in --n0 (2..4 by default), "
                         "n0 <= w <= max --widths, n3 in 1,2 (or the --arch list), a setting with a checked "
                         "no-hidden-symmetries certificate (two-hidden-layer criterion), written to OUTDIR/depth3")


def _cmd_depth3(args, extra) -> int:
    import json

    from ..experiments.construct_nhs import construct_no_hidden, depth3_grid, write_certificates
    from .common import UsageError, emit
    from .sweep import _int, parse_int_list
    n0s = [n for n in parse_int_list(args.n0 if args.n0 != "1-3" else "2-4", "n0", 1, 16) if n >= 2]
    widths = parse_int_list(args.widths if args.widths != "1-5" else "2-6", "widths", 1, 64)
    seeds = min(_int(args.seeds, "seeds", 1, 100_000), 1000)
    grid = extra if args.only else depth3_grid(n0s, max(widths))
    if any(len(a) != 4 for a in grid):
        raise UsageError("--depth 3 needs architectures with two hidden layers (n0, n1, n2, n3)")
    outdir = os.path.join(args.outdir, "depth3")
    os.makedirs(outdir, exist_ok=True)
    results = []
    for i, arch in enumerate(grid, 1):
        r = construct_no_hidden(arch, n_seeds=seeds)
        results.append(r)
        if not args.quiet and not args.json:
            word = f"certified ({r.init}, seed {r.seed})" if r.certified else f"not found: {r.why_not}"
            sys.stderr.write(f"construct --depth 3 [{i}/{len(grid)}] {'-'.join(map(str, arch))}: {word}\n")
    write_certificates(results, outdir)
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump([r.to_dict() for r in results], f, indent=1)
    ok = sum(r.certified for r in results)
    obj = {"outdir": outdir, "architectures": len(results), "certified": ok,
           "results": [r.to_dict() for r in results]}
    lines = [f"{'-'.join(map(str, r.architecture)):>10}  " + (f"no-hidden-symmetries ({r.init}, seed {r.seed})"
             if r.certified else f"none in {r.tried} tries: {r.why_not}") for r in results]
    emit(args, obj, "\n".join(lines + [f"{ok} of {len(results)} architectures have a checked "
                                       f"no-hidden-symmetries certificate in {outdir}"]))
    return 0 if ok == len(results) else 3


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
    if args.only and not extra:
        raise UsageError("--only needs at least one --arch")
    if args.depth == 3:
        return _cmd_depth3(args, extra)
    if args.only:
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
