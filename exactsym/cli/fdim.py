"""``exactsym fdim NET [--points FILE | --n-points N] [--box LO,HI] [--seed S] [--cert OUT] [--json]``.

Without ``--points`` the answer is the functional dimension dim_fun: proven
(``exact: true``, ``what: "dim_fun"``) when a batch reaches the cap
D - rank S or a certified region enumeration gives a decisive set; otherwise
the rank of a batch, labelled as a lower bound of dim_fun, with the reason
(``what: "batch"``). With ``--points FILE`` the answer is the exact rank of
that batch (``what: "batch"``), which is a lower bound of dim_fun.
Bad input raises :class:`exactsym.io.InputError` (exit 2 in the CLI).
"""

from __future__ import annotations

import random
import sys
import time

from ..network.io import InputError, load_points
from .common import EXIT_OK, EXIT_UNDECIDED, emit, load, net_arg, parse_box, positive_float, positive_int, write_cert

__all__ = ["add_arguments", "cmd_fdim", "Progress"]


def add_arguments(sp) -> None:
    net_arg(sp)
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--points", metavar="FILE",
                   help="exactsym-points/1 JSON or CSV point set: report the exact rank of THIS batch "
                        "(a lower bound of dim_fun), not dim_fun")
    g.add_argument("--n-points", type=positive_int, metavar="N",
                   help="batch size (default about 1.1 (D-H) / n_d)")
    sp.add_argument("--box", metavar="LO,HI", help="domain [LO,HI]^n0 instead of R^n0 (points sampled inside)")
    sp.add_argument("--seed", type=int, default=None,
                    help="seed of every random choice (points, primes); default: drawn and printed")
    sp.add_argument("--max-regions", type=positive_int, default=5000, metavar="N",
                    help="region budget of the decisive set (default 5000)")
    sp.add_argument("--time-limit", type=positive_float, default=60.0, metavar="S",
                    help="wall-clock seconds for the region enumeration (default 60)")
    sp.add_argument("--cert", metavar="OUT", help="write the certificate here (fdim=r or fdim>=r)")
    sp.add_argument("--compare-float", action="store_true",
                    help="also compute the float SVD rank (the literature's method) on the batch")


class Progress:
    """Phase lines on stderr, only when it is a terminal and not ``--quiet``; elapsed time first."""

    def __init__(self, args, stream=None):
        self.stream = stream or sys.stderr
        self.on = not getattr(args, "quiet", False) and not getattr(args, "json", False) and \
            hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.monotonic()

    def __call__(self, line: str) -> None:
        if self.on:
            self.stream.write(f"exactsym: [{time.monotonic() - self.t0:6.1f} s] {line}\n")
            self.stream.flush()


def _seed(args) -> int:
    s = getattr(args, "seed", None)
    return random.SystemRandom().randrange(2 ** 31) if s is None else s


def cmd_fdim(args) -> int:
    net = load(args, args.net)
    box = parse_box(getattr(args, "box", None))
    seed = _seed(args)
    prog = Progress(args)
    try:
        if getattr(args, "points", None):
            obj, lines, cert, pts = _batch_answer(args, net, box, seed, prog)
        else:
            obj, lines, cert, pts = _dimfun_answer(args, net, box, seed, prog)
    except ValueError as e:  # e.g. no smooth point exists for this network
        raise InputError(args.net, str(e)) from None
    if getattr(args, "compare_float", False) and pts is not None:
        from ..rank.fdim import float_rank
        fr = float_rank(net, pts)
        obj["float_rank"] = fr
        exact_batch = obj.get("batch_exact", obj.get("exact"))
        brank = obj.get("batch_rank", obj["rank"])
        obj["float_agrees"] = (fr == brank) if exact_batch else None
        verdict = "" if not exact_batch else "  agrees" if fr == brank else "  WRONG"
        lines.append(f"float rank   {fr} on the same batch (SVD, tol s_max*max(m,n)*eps; not a proof){verdict}")
    cert_path = getattr(args, "cert", None)
    obj.setdefault("file", args.net)
    obj.setdefault("n_points", None)
    if cert_path and cert is not None:
        write_cert(args, cert)
        obj["certificate"] = cert_path
        lines.append(f"certificate  {cert_path}  (re-check: exactsym check {cert_path})")
    emit(args, obj, "\n".join([f"network      {args.net}  architecture {tuple(net.architecture)}",
                               f"D = {net.D}, H = {net.H}, bound D - H = {net.bound}"] + lines))
    # 0: the number asked for (dim_fun, or the rank of the given batch) is proven; 3: only a bound
    return EXIT_OK if obj.get("exact") else EXIT_UNDECIDED


def _dom_text(box) -> str:
    return "R^n0" if box is None else f"[{box[0]},{box[1]}]^n0"


def _dimfun_answer(args, net, box, seed, prog):
    from ..rank.dimfun import dim_fun
    res = dim_fun(net, box=box, seed=seed, n_points=getattr(args, "n_points", None),
                  max_regions=getattr(args, "max_regions", 5000), time_limit=getattr(args, "time_limit", 60.0),
                  progress=prog)
    obj = res.to_dict()
    if res.exact:
        head = f"dim_fun      {res.rank} exactly on {_dom_text(box)} (proven: {res.how})"
    else:
        head = (f"dim_fun      >= {res.rank} on {_dom_text(box)}, a lower bound: {res.how}\n"
                f"reason       {res.reason}")
    lines = [head, f"seed         {seed}"]
    fd = res.batch
    if fd is not None:
        lines.append(_batch_line(fd))
    return obj, lines, res.certificate, fd.points if fd is not None else None


def _batch_line(fd) -> str:
    kind = ("exact rank of this batch" if fd.exact else
            "certified lower bound of this batch's rank (deficit not settled)")
    s = f"batch        rank {fd.rank} ({kind}) on {fd.n_points} smooth rational points"
    if fd.rejected:
        s += f"; {len(fd.rejected)} rejected (on a bent hyperplane)"
    if fd.exact and fd.rank < fd.cap:
        s += f"\nkernel       dimension {net_kernel(fd)}; scaling generators span {fd.scaling_rank}"
        if fd.method:
            s += f"\nmethod       {fd.method}"
    if fd.note:
        s += f"\nnote         {fd.note}"
    return s


def net_kernel(fd) -> int:
    return fd.D - fd.rank


def _batch_answer(args, net, box, seed, prog):
    from ..rank.fdim import functional_dimension
    points = load_points(args.points, n0=net.n0)
    if box is not None:
        from fractions import Fraction
        for i, x in enumerate(points):
            if not all(box[0] < Fraction(v) < box[1] for v in x):
                raise InputError(args.points, f"point {i} is not strictly inside the box")
    res = functional_dimension(net, points=points, seed=seed, progress=prog, box=box,
                               certificate=bool(getattr(args, "cert", None)))
    if res.n_points == 0:
        raise InputError(args.points, "no smooth point: every point lies on a bent hyperplane")
    if res.rejected and not getattr(args, "quiet", False):
        sys.stderr.write(f"exactsym: note: {len(res.rejected)} point(s) on a bent hyperplane "
                         f"rejected (not used)\n")
    from ..arrangement.evidence import domain_json
    exact = res.exact
    obj = {"rank": res.rank, "bound": res.bound, "D": res.D, "H": res.H, "exact": exact, "what": "batch",
           "domain": domain_json(box), "seed": seed, "n_points": res.n_points, "prime": res.prime,
           "rejected_points": len(res.rejected), "kernel_dimension": res.D - res.rank if exact else None,
           "note": res.note}
    head = (f"rank         {res.rank} = exact rank of the batch in {args.points} (a lower bound of dim_fun)"
            if exact else f"rank         >= {res.rank}: certified lower bound of the rank of the batch in "
            f"{args.points} (deficit not settled)")
    lines = [head, f"seed         {seed}", _batch_line(res)]
    return obj, lines, res.certificate, res.points
