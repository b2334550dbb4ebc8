"""``exactsym regions NET [--box LO,HI] [--cert OUT[.gz]] [--full-evidence] [--graph OUT]
[--plot OUT.png] [--max-regions N] [--time-limit S] [--max-memory MB] [--workers N] [--json]``: certified
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

import argparse
import sys
import time

from .common import net_arg, positive_int

__all__ = ["add_arguments", "cmd_regions"]


def _positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not positive")
    return v


def add_arguments(sp) -> None:
    net_arg(sp)
    sp.add_argument("--box", metavar="LO,HI", help="domain [LO,HI]^n0 instead of R^n0")
    sp.add_argument("--cert", metavar="OUT", help="write the regions-complete certificate here")
    sp.add_argument("--graph", metavar="OUT",
                    help="write the dual and neuron graphs (OUT.json: one JSON object; otherwise GraphML, "
                         "neuron graph at OUT-stem.neurons.graphml)")
    sp.add_argument("--plot", metavar="OUT.png", help="draw the regions (n0=2) or the graph of F (n0=1)")
    sp.add_argument("--max-regions", type=positive_int, default=None, metavar="N",
                    help="stop after N regions (the result is then incomplete)")
    sp.add_argument("--time-limit", type=_positive_float, default=None, metavar="S",
                    help="stop after S seconds (the result is then incomplete)")
    sp.add_argument("--max-memory", type=_positive_float, default=None, metavar="MB",
                    help="stop when the process uses MB MiB (default: half the memory available at the start)")
    sp.add_argument("--workers", type=positive_int, default=None, metavar="N",
                    help="visit regions on N processes (chunked search: the same result for every N)")
    sp.add_argument("--full-evidence", action="store_true",
                    help="write facet points and Farkas multipliers out (the original, larger form)")


def cmd_regions(args) -> int:
    from ..arrangement import domain_json, regions
    from ..arrangement.evidence import write_certificate
    from .common import EXIT_OK, UsageError, emit, load, parse_box
    net = load(args, args.net)
    box = parse_box(args.box)
    if args.plot and net.n0 not in (1, 2):
        raise UsageError(f"--plot needs n0 = 1 or 2; {args.net} has n0 = {net.n0}")
    t0 = time.perf_counter()
    res = regions(net, box=box, max_regions=args.max_regions, time_limit=args.time_limit,
                  progress=not args.quiet and not args.json,
                  max_memory=args.max_memory if args.max_memory else "auto", lean=not (args.full_evidence or args.graph or args.plot),
                  workers=args.workers)
    elapsed = time.perf_counter() - t0
    cert_path = None
    if args.cert:
        if res.complete:
            write_certificate(res, args.cert, compact=not args.full_evidence)
            cert_path = args.cert
        elif not args.quiet:
            sys.stderr.write(f"exactsym: note: no certificate written: enumeration incomplete ({res.reason})\n")
    graphs = None
    if args.graph:
        from ..arrangement.graphs import write_graphs
        graphs = write_graphs(res, args.graph)
    plot = None
    if args.plot:
        from ..plot import plot_regions
        plot = plot_regions(res, args.plot)
    # dual-graph edges: one per pair of regions sharing a facet (several labels may flip there)
    n_facet = len({(min(r, e[1]), max(r, e[1])) for (r, h), e in res.facets.items() if e[0] == "facet"})
    n_farkas = sum(1 for e in res.facets.values() if e[0] == "farkas")
    obj = {"file": args.net, "architecture": list(net.architecture), "count": len(res.regions),
           "complete": bool(res.complete), "n0": net.n0, "domain": domain_json(box), "reason": res.reason,
           "facets": n_facet, "farkas": n_farkas, "time_s": round(elapsed, 4),
           "regions_per_s": round(len(res.regions) / elapsed, 1) if elapsed > 0 else None,
           "certificate": cert_path, "graph": graphs, "plot": plot,
           "non_generic": res.non_generic[:10], "degenerate": res.degenerate[:20],
           "n_degenerate": len(res.degenerate)}
    dom = "R^%d" % net.n0 if box is None else f"[{box[0]}, {box[1]}]^{net.n0}"
    lines = [f"regions      {len(res.regions)} on {dom}"
             + ("  (complete, certified)" if res.complete else "  (INCOMPLETE)"),
             f"network      {args.net}  architecture {tuple(net.architecture)}, H = {net.H}",
             f"facets       {n_facet} (dual-graph edges), {n_farkas} Farkas non-facet certificates",
             f"time         {elapsed:.3f} s ({obj['regions_per_s']} regions/s)"]
    if res.degenerate:
        lines.append(f"degenerate   {len(res.degenerate)} non-simple facts, e.g. {res.degenerate[0]}")
    if not res.complete:
        lines.append(f"reason       {res.reason}")
    if cert_path:
        lines.append(f"certificate  {cert_path}  (re-check: exactsym check {cert_path})")
    if graphs:
        lines.append("graphs       " + ", ".join(graphs))
    if plot:
        lines.append(f"plot         {plot}")
    emit(args, obj, "\n".join(lines))
    return EXIT_OK
