"""``exactsym regions NET [--box LO,HI] [--cert OUT[.gz]] [--full-evidence] [--graph OUT]
[--plot OUT.png] [--max-regions N] [--time-limit S] [--max-memory MB] [--workers N] [--scheduler ADDR]
[--json]``: certified
activation-region enumeration.

The certificate is written in the compact form (``pairs``: crossings name
their neighbour, Farkas entries their support) and streamed to disk, gzip
when OUT ends in ``.gz``; ``--full-evidence`` writes the original ``facets``
form (facet points and multipliers written out) when the arrangement is
simple. Without ``--max-memory`` the run stops cleanly, ``complete: false``,
once its memory passes half of what was available at the start.

Wired into :mod:`exactsym.cli.main` (which adds --json and --quiet).
"""

from __future__ import annotations

import sys
import time

from .common import net_arg, positive_float, positive_int

__all__ = ["add_arguments", "cmd_regions"]


def add_arguments(sp) -> None:
    net_arg(sp)
    sp.add_argument("--box", metavar="LO,HI", help="domain [LO,HI]^n0 instead of R^n0")
    sp.add_argument("--cert", metavar="OUT", help="write the regions-complete certificate here")
    sp.add_argument("--graph", metavar="OUT",
                    help="write the dual and neuron graphs (OUT.json: one JSON object; otherwise GraphML, "
                         "neuron graph at OUT-stem.neurons.graphml)")
    sp.add_argument("--plot", metavar="OUT",
                    help="draw the regions (n0=2 or a plane slice) or the graph of F (n0=1 or a line slice); "
                         "the format follows the suffix: .png, .pdf, .svg")
    g = sp.add_argument_group("slices (n0 > 2)")
    g.add_argument("--slice", metavar="P0;P1[;P2]",
                   help="enumerate the regions on the line (2 points) or plane (3 points) through these points "
                        "of R^n0, each written as comma-separated coordinates; slice coordinates u put "
                        "P0 at 0, P1 at e1, P2 at e2 (--box bounds u)")
    g.add_argument("--slice-points", metavar="FILE",
                   help="the same, with the 2 or 3 points read from a point file (exactsym-points/1 or CSV)")
    g = sp.add_argument_group("figure options (with --plot)")
    g.add_argument("--plot-labels", action="store_true", help="label each bent hyperplane l.j (default: legend only)")
    g.add_argument("--plot-points", metavar="FILE", help="overlay these data points (in the plot's coordinates)")
    g.add_argument("--plot-level", type=float, metavar="C",
                   help="draw the level set F = C (one output) or the decision boundary (several outputs)")
    g.add_argument("--plot-heat", type=positive_int, metavar="K", help="colour regions by the value of output K")
    g.add_argument("--plot-window", metavar="X0,X1,Y0,Y1", help="drawing window (default: framed on the regions)")
    sp.add_argument("--max-regions", type=positive_int, default=None, metavar="N",
                    help="stop after N regions (the result is then incomplete)")
    sp.add_argument("--time-limit", type=positive_float, default=None, metavar="S",
                    help="stop after S seconds (the result is then incomplete)")
    sp.add_argument("--max-memory", type=positive_float, default=None, metavar="MB",
                    help="stop when the process uses MB MiB (default: half the memory available at the start)")
    sp.add_argument("--workers", type=positive_int, default=None, metavar="N",
                    help="visit regions on N processes (chunked search: the same result for every N)")
    sp.add_argument("--scheduler", metavar="ADDR",
                    help="visit regions on a dask.distributed cluster (tcp://host:8786): the chunked search "
                         "again, the same result as --workers N")
    sp.add_argument("--full-evidence", action="store_true",
                    help="write facet points and Farkas multipliers out (the original, larger form)")


def cmd_regions(args) -> int:
    from ..arrangement.graphs import write_graphs
    from .common import EXIT_OK, EXIT_UNDECIDED, UsageError, emit, load, parse_box
    net = load(args, args.net)
    box = parse_box(args.box)
    points = _slice_points(args, net)
    args.net_architecture = net.architecture
    dim = net.n0 if points is None else len(points) - 1
    if args.plot and dim not in (1, 2):
        raise UsageError(f"--plot needs n0 = 1 or 2 or a --slice; {args.net} has n0 = {net.n0}")
    if args.scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--scheduler needs dask.distributed (pip install 'exactsym[dask]')") from None
    t0 = time.perf_counter()
    try:
        res, sres = _enumerate(args, net, box, points)
    except (OSError, TimeoutError) as e:
        if not args.scheduler:
            raise
        raise UsageError(f"--scheduler {args.scheduler!r}: cannot use the cluster ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''})") from None
    elapsed = time.perf_counter() - t0
    cert_path = _write_certificate(args, res, sres)
    graphs = write_graphs(res, args.graph) if args.graph else None
    plot = _plot(args, res, points) if args.plot else None
    obj, lines = _report(args, net, box, points, res, elapsed)
    obj.update(certificate=cert_path, graph=graphs, plot=plot)
    if cert_path:
        lines.append(f"certificate  {cert_path}  (re-check: exactsym check {cert_path})")
    if graphs:
        lines.append("graphs       " + ", ".join(graphs))
    if plot:
        lines.append(f"plot         {plot}")
    emit(args, obj, "\n".join(lines))
    # diff/cmp style (docs/output.md): 0 complete (certified), 3 incomplete (a budget or non-generic)
    return EXIT_OK if res.complete else EXIT_UNDECIDED


def _enumerate(args, net, box, points):
    """The certified regions of ``net`` (or of its slice): ``(RegionsResult, SliceResult or None)``."""
    from ..arrangement import regions, slice_regions
    kw = dict(box=box, max_regions=args.max_regions, time_limit=args.time_limit,
              progress=not args.quiet and not args.json,
              max_memory=args.max_memory if args.max_memory else "auto",
              lean=not (args.full_evidence or args.graph or args.plot), workers=args.workers,
              scheduler=args.scheduler)
    if points is None:
        return regions(net, **kw), None
    sres = slice_regions(net, points, **kw)
    return sres.result, sres


def _write_certificate(args, res, sres):
    """Write the certificate (compact unless --full-evidence) when the result is complete; its path or None."""
    from ..arrangement.evidence import write_certificate
    from .common import rounded_to, write_cert
    if not args.cert:
        return None
    if not res.complete:
        if not args.quiet:
            sys.stderr.write(f"exactsym: note: no certificate written: enumeration incomplete ({res.reason})\n")
        return None
    if sres is None:
        write_certificate(res, args.cert, compact=not args.full_evidence,
                          extra={"provenance": {"rounded_to_denominator": rounded_to(args)}})
    else:
        write_cert(args, sres.certificate_form(compact=not args.full_evidence))
    return args.cert


def _report(args, net, box, points, res, elapsed):
    """The JSON object and the text lines of a run (``count`` is null unless complete)."""
    from ..arrangement import domain_json
    from ..network.numbers import fmt
    from .common import budget_hint
    dim = net.n0 if points is None else len(points) - 1
    # dual-graph edges: one per pair of regions sharing a facet (several labels may flip there)
    n_facet = len({(min(r, e[1]), max(r, e[1])) for (r, h), e in res.facets.items() if e[0] == "facet"})
    n_farkas = sum(1 for e in res.facets.values() if e[0] == "farkas")
    reason = res.reason if res.complete else (res.reason or "") + budget_hint(res.reason)
    obj = {"file": args.net, "architecture": list(net.architecture),
           "count": len(res.regions) if res.complete else None, "count_lower_bound": len(res.regions),
           "complete": bool(res.complete), "n0": net.n0, "domain": domain_json(box), "reason": reason,
           "facets": n_facet, "farkas": n_farkas,
           "regions_per_s": round(len(res.regions) / elapsed, 1) if elapsed > 0 else None,
           "non_generic": res.non_generic[:10], "degenerate": res.degenerate[:20],
           "n_degenerate": len(res.degenerate),
           "slice": None if points is None else [[fmt(v) for v in p] for p in points]}
    dom = "R^%d" % dim if box is None else f"[{box[0]}, {box[1]}]^{dim}"
    if points is not None:
        dom = ("the line" if dim == 1 else "the plane") + " through the slice points, u in " + dom
    lines = [f"regions      {len(res.regions)} on {dom}"
             + ("  (complete, certified)" if res.complete else "  (INCOMPLETE)"),
             f"network      {args.net}  architecture {tuple(net.architecture)}, H = {net.H}",
             f"facets       {n_facet} (dual-graph edges), {n_farkas} Farkas non-facet certificates",
             f"time         {elapsed:.3f} s ({obj['regions_per_s']} regions/s)"]
    if res.degenerate:
        lines.append(f"degenerate   {len(res.degenerate)} non-simple facts, e.g. {res.degenerate[0]}")
    if not res.complete:
        lines.append(f"reason       {reason}")
    return obj, lines


def _slice_points(args, net):
    """The 2 or 3 exact points of ``--slice`` / ``--slice-points``, or None."""
    from ..check.shared.slice import slice_directions
    from ..network.io import load_points
    from ..network.numbers import EntryError, parse_entry
    from .common import UsageError
    if args.slice and args.slice_points:
        raise UsageError("give --slice or --slice-points, not both")
    if args.slice:
        try:
            pts = [[parse_entry(v.strip()) for v in p.split(",")] for p in args.slice.split(";")]
        except EntryError as e:
            raise UsageError(f"--slice {args.slice!r}: {e}") from None
        where = f"--slice {args.slice!r}"
    elif args.slice_points:
        pts = load_points(args.slice_points, n0=net.n0)
        where = args.slice_points
    else:
        return None
    if any(len(p) != net.n0 for p in pts):
        raise UsageError(f"{where}: each point needs {net.n0} coordinates (the input dimension of {args.net})")
    try:
        slice_directions(pts)
    except ValueError as e:
        raise UsageError(f"{where}: {e}") from None
    return pts


def _plot(args, res, points):
    from ..network.io import load_points
    from ..plot import plot_regions
    from .common import UsageError
    window = None
    if args.plot_window:
        try:
            window = tuple(float(v) for v in args.plot_window.split(","))
        except ValueError:
            window = ()
        if len(window) != 4 or not (window[0] < window[1] and window[2] < window[3]):
            raise UsageError(f"--plot-window {args.plot_window!r}: expected X0,X1,Y0,Y1 with X0<X1, Y0<Y1")
    overlay = load_points(args.plot_points, n0=res.net.n0) if args.plot_points else None
    heat = None if args.plot_heat is None else args.plot_heat - 1
    if heat is not None and heat >= res.net.n_out:
        raise UsageError(f"--plot-heat {args.plot_heat}: the network has {res.net.n_out} output(s)")
    axes, title = None, None
    if points is not None:
        axes = ("$u_1$", "$u_2$") if len(points) == 3 else ("$u$",)
        word = "complete, certified" if res.complete else "INCOMPLETE"
        title = (f"{res.count} activation regions on the {'plane' if len(points) == 3 else 'line'} through "
                 f"{len(points)} points ({word})\narchitecture {tuple(args.net_architecture)}")
    return plot_regions(res, args.plot, title=title, labels=args.plot_labels, points=overlay,
                        level=args.plot_level, heat=heat, window=window, axis_names=axes,
                        slice_marks=points is not None and len(points) == 3)
