"""``exactsym sweep``: exact functional-dimension sweeps over architectures.

Wired by :mod:`exactsym.cli` (``add_arguments`` / ``cmd_sweep``). Bad values
raise :class:`exactsym.cli.UsageError` (exit 2, one line).
"""

from __future__ import annotations

import os
import sys

__all__ = ["add_arguments", "cmd_sweep", "parse_int_list"]


def parse_int_list(text: str, name: str, lo: int = 1, hi: int = 10_000) -> list[int]:
    """``"1,2,3"`` or ``"2-5"`` (a range) to a sorted list of distinct ints in ``[lo, hi]``."""
    from .common import UsageError
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part[1:]:
                a, b = part.split("-", 1)
                vals = list(range(int(a), int(b) + 1))
                if not vals:
                    raise ValueError
            else:
                vals = [int(part)]
        except ValueError:
            raise UsageError(f"--{name} {text!r}: expected a comma-separated list of integers") from None
        for v in vals:
            if not lo <= v <= hi:
                raise UsageError(f"--{name} {text!r}: {v} is outside [{lo}, {hi}]")
        out.extend(vals)
    if not out:
        raise UsageError(f"--{name} {text!r}: empty list")
    return sorted(set(out))


def add_arguments(sp) -> None:
    sp.add_argument("--n0", default="1,2,3", metavar="LIST", help="input dimensions (default 1,2,3)")
    sp.add_argument("--widths", default="2,3,4,6,8", metavar="LIST", help="hidden widths (default 2,3,4,6,8)")
    sp.add_argument("--depths", default="1,2,3,4,5", metavar="LIST",
                    help="numbers of hidden layers (default 1,2,3,4,5)")
    sp.add_argument("--trials", default="100", metavar="N", help="random networks per architecture")
    sp.add_argument("--init", default="kaiming", help="kaiming | uniform | int:K")
    sp.add_argument("--seed", default="0", metavar="S", help="base seed of the networks and points of every trial")
    sp.add_argument("--denominator", default="256", metavar="N",
                    help="network entries are multiples of 1/N (default 256)")
    sp.add_argument("--scale-exp", default="0", metavar="E",
                    help="multiply the output weights by 2^E (exact fdim unchanged; stresses floats)")
    sp.add_argument("--n-points", default=None, metavar="N", help="batch size (default 4 (D-H) + n0 + 1)")
    sp.add_argument("--max-regions", default="2000", metavar="N",
                    help="region budget for decisive sets (0: batch ranks only)")
    sp.add_argument("--region-time", default="20", metavar="S", help="seconds per region enumeration")
    sp.add_argument("--no-certify", action="store_true", help="skip the certify verdict column")
    sp.add_argument("--chunk", default="8", metavar="N", help="trials per task")
    sp.add_argument("-o", "--output", required=True, metavar="CSV", help="results CSV (resumed if it exists)")
    sp.add_argument("--plot", metavar="PNG", help="also draw the full-fdim fraction vs depth here")
    sp.add_argument("--scheduler", metavar="ADDR", help="dask.distributed scheduler address (tcp://host:8786)")
    sp.add_argument("--workers", default=None, metavar="N",
                    help="local worker processes (default: the number of CPUs; 1 runs in this process)")


def _int(text, name, lo=None, hi=None):
    from .common import UsageError
    try:
        v = int(text)
    except (TypeError, ValueError):
        raise UsageError(f"--{name} {text!r}: not an integer") from None
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise UsageError(f"--{name} {v}: must be {rng}")
    return v


def _float(text, name, lo=0.0):
    from .common import UsageError
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"--{name} {text!r}: not a number") from None
    if not v > lo or v != v or v == float("inf"):
        raise UsageError(f"--{name} {text!r}: must be a finite number > {lo}")
    return v


def config_from_args(args):
    from ..experiments.sweep import SweepConfig
    from ..network.generate import parse_init
    from .common import UsageError
    try:
        parse_init(args.init)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return SweepConfig(
        n0s=parse_int_list(args.n0, "n0", 1, 64),
        widths=parse_int_list(args.widths, "widths", 1, 256),
        depths=parse_int_list(args.depths, "depths", 1, 64),
        trials=_int(args.trials, "trials", 1, 10**7),
        init=args.init,
        seed=_int(args.seed, "seed", 0, 2**63 - 1),
        denominator=_int(args.denominator, "denominator", 1, 2**62),
        scale_exp=_int(args.scale_exp, "scale-exp", -1000, 1000),
        n_points=None if args.n_points is None else _int(args.n_points, "n-points", 1, 10**6),
        max_regions=_int(args.max_regions, "max-regions", 0, 10**8),
        region_time=_float(args.region_time, "region-time"),
        certify=not args.no_certify,
        chunk=_int(args.chunk, "chunk", 1, 10**6),
    )


def cmd_sweep(args) -> int:
    from ..experiments.sweep import SweepFileError, sweep
    from .common import UsageError, emit
    cfg = config_from_args(args)
    workers = (os.cpu_count() or 1) if args.workers is None else _int(args.workers, "workers", 1, 4096)
    out = args.output
    if os.path.isdir(out):
        raise UsageError(f"-o {out!r}: is a directory")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise UsageError(f"--plot {args.plot!r}: expected a .png path")
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError("--plot needs matplotlib (pip install 'exactsym[plot]')") from None
    if args.scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--scheduler needs dask.distributed (pip install 'exactsym[dask]')") from None
    quiet = args.quiet or args.json
    try:
        summary = sweep(cfg, out, workers=workers, scheduler=args.scheduler,
                        progress=not quiet and sys.stderr.isatty())
    except SweepFileError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"-o {out!r}: {e.strerror or e}") from None
    obj = summary.to_dict()
    obj["plot"] = None
    if args.plot:
        from ..experiments.reproduce import load_results, plot_vs
        plot_vs(load_results(out), "depth", args.plot)
        obj["plot"] = args.plot
    if args.json:
        emit(args, obj, None)
    else:
        n = summary.rows
        pct = (lambda k: f"{100.0 * k / n:.1f}%") if n else (lambda k: "-")
        lines = [f"wrote {out}: {n} rows ({summary.new} new, {summary.skipped} resumed) over "
                 f"{summary.architectures} architectures in {summary.seconds:.1f} s [{summary.backend}]",
                 f"fdim = D - H proven      {summary.full_proven} ({pct(summary.full_proven)})",
                 f"fdim < D - H proven      {summary.deficit_proven} ({pct(summary.deficit_proven)})",
                 f"undecided (lower bound)  {summary.undecided} ({pct(summary.undecided)})",
                 f"float rank != exact rank {summary.float_disagreements}"]
        if summary.errors:
            lines.append("errors: " + "; ".join(summary.errors[:3]))
        if args.plot:
            lines.append(f"figure {args.plot}")
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
