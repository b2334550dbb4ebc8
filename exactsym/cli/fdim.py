"""``exactsym fdim NET [--points FILE | --n-points N] [--seed S] [--cert OUT] [--compare-float] [--json]``.

Prints the batch functional dimension, whether it is exact, and (with
``--compare-float``) the literature's float SVD rank on the same points.
Bad input raises :class:`exactsym.io.InputError` (exit 2 in the CLI).
"""

from __future__ import annotations

import sys

from ..network.io import InputError, load_points
from .common import emit, load, net_arg, positive_int, write_cert

__all__ = ["add_arguments", "cmd_fdim"]


def add_arguments(sp) -> None:
    net_arg(sp)
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--points", metavar="FILE", help="exactsym-points/1 JSON or CSV point set")
    g.add_argument("--n-points", type=positive_int, metavar="N",
                   help="number of random smooth rational points (default about 1.1 (D-H) / n_d)")
    sp.add_argument("--seed", type=int, default=None, help="seed for points and primes")
    sp.add_argument("--cert", metavar="OUT", help="write the fdim>=r certificate here")
    sp.add_argument("--compare-float", action="store_true",
                    help="also compute the float SVD rank (the literature's method) on the same points")


def cmd_fdim(args) -> int:
    from ..rank.fdim import float_rank, functional_dimension
    net = load(args, args.net)
    points = None
    if getattr(args, "points", None):
        points = load_points(args.points, n0=net.n0)
    try:
        res = functional_dimension(net, points=points, n_points=getattr(args, "n_points", None),
                                   seed=getattr(args, "seed", None))
    except ValueError as e:  # e.g. no smooth point exists for this network
        raise InputError(args.net, str(e)) from None
    if points is not None and res.n_points == 0:
        raise InputError(args.points, "no smooth point: every point lies on a bent hyperplane")
    obj = {"rank": res.rank, "bound": res.bound, "D": res.D, "H": res.H,
           "n_points": res.n_points, "exact": res.exact}
    fr = None
    if getattr(args, "compare_float", False):
        fr = float_rank(net, res.points)
        obj["float_rank"] = fr
        obj["float_agrees"] = (fr == res.rank) if res.exact else None
    obj.update(prime=res.prime, rejected_points=len(res.rejected))
    if res.kernel is not None:
        obj["kernel_dimension"] = len(res.kernel)
        obj["kernel_outside_scaling"] = None if res.kernel_extra is None else len(res.kernel_extra)
    cert_path = getattr(args, "cert", None)
    if cert_path:
        write_cert(args, res.certificate)
        obj["certificate"] = cert_path
    if not getattr(args, "quiet", False):
        if res.rejected:
            sys.stderr.write(f"exactsym: note: {len(res.rejected)} point(s) on a bent hyperplane "
                             f"rejected (not used)\n")
    if getattr(args, "json", False):
        emit(args, obj, None)
        return 0
    lines = [f"network      {args.net}  architecture {tuple(net.architecture)}",
             f"D = {res.D}, H = {res.H}, bound D - H = {res.bound}",
             f"points       {res.n_points} smooth rational points"
             + (f" ({len(res.rejected)} rejected: on a bent hyperplane)" if res.rejected else ""),
             f"rank         {res.rank}"
             + (" = D - H (certified: modular rank reaches the bound)" if res.rank == res.bound and res.exact
                else " (exact rational rank of this batch)" if res.exact
                else " (certified lower bound; deficit not settled)")]
    if res.kernel is not None:
        outside = "?" if res.kernel_extra is None else len(res.kernel_extra)
        lines.append(f"kernel       dimension {len(res.kernel)}: scaling generators span "
                     f"{res.scaling_rank}, {outside} direction(s) outside their span "
                     "(J v = 0 verified over Q)")
    if res.note:
        lines.append(f"note         {res.note}")
    if fr is not None:
        lines.append(f"float rank   {fr} (SVD, tol s_max*max(m,n)*eps)"
                     + ("" if not res.exact else "  agrees" if fr == res.rank else "  WRONG"))
    if cert_path:
        lines.append(f"certificate  {cert_path}  (re-check: exactsym check {cert_path})")
    emit(args, obj, "\n".join(lines))
    return 0
