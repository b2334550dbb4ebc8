"""``exactsym certify NET``: no hidden symmetries / local identifiability, or a witness."""

from __future__ import annotations

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNDECIDED,
    budget_hint,
    emit,
    load,
    net_arg,
    parse_box,
    positive_float,
    positive_int,
    write_cert,
)

__all__ = ["add_arguments", "cmd_certify"]


def add_arguments(sp) -> None:
    net_arg(sp)
    sp.add_argument("--box", metavar="LO,HI", help="domain [LO,HI]^n0 instead of R^n0")
    sp.add_argument("--cert", metavar="OUT", help="write the certificate (or the witness) here")
    sp.add_argument("--seed", type=int, default=0, help="seed of the random batch of points")
    sp.add_argument("--n-points", type=positive_int, metavar="N",
                    help="batch size for the rank (default: about 1.1 (D - H) / n_out)")
    sp.add_argument("--max-regions", type=positive_int, default=5000, metavar="N",
                    help="budget of the region enumeration (stability, decisive sets, the two-hidden-layer "
                         "criterion)")
    sp.add_argument("--time-limit", type=positive_float, default=60.0, metavar="S",
                    help="wall-clock budget in seconds over every phase")


def _fdim_line(res) -> str:
    """Only a proven dim_fun is called exact; a batch rank is called a lower bound."""
    if res.fdim_exact:
        return f"fdim         dim_fun = {res.fdim} exactly" + (" = D - H" if res.fdim == res.bound else
                                                              f" < D - H = {res.bound}")
    return (f"fdim         rank of this batch >= {res.fdim}, a lower bound of dim_fun "
            f"(D - H = {res.bound})")


def cmd_certify(args) -> int:
    from ..verdict.certify import certify
    net = load(args, args.net)
    box = parse_box(args.box)
    res = certify(net, box=box, seed=args.seed, n_points=args.n_points, max_regions=args.max_regions,
                  time_limit=args.time_limit, progress=not args.quiet and not args.json)
    wrote = write_cert(args, res.certificate)
    obj = res.to_dict()
    obj.update(file=args.net, certificate=args.cert if wrote else None)
    lines = [f"verdict      {res.verdict}",
             f"network      {args.net}  architecture {tuple(net.architecture)}, D = {net.D}, H = {net.H}, "
             f"D - H = {net.bound}"]
    if res.fdim is not None:
        lines.append(_fdim_line(res))
    lines.append(f"reason       {res.reason}")
    if res.mechanisms:
        lines.append("witnesses")
        lines += [f"  - mechanism {m['mechanism']} ({m['name']}): {m['description']}" for m in res.mechanisms]
    lines.append("proven")
    lines += [f"  - {p}" for p in res.proven] or ["  - nothing"]
    if res.not_proven:
        lines.append("not proven")
        lines += [f"  - {p}" for p in res.not_proven]
    if res.suspects:
        lines.append("suspects")
        lines += [f"  - {p}" for p in res.suspects]
    if wrote:
        lines.append(f"certificate  {args.cert}  (re-check: exactsym check {args.cert})")
    if res.verdict == "undecided":
        obj["reason"] = res.reason + budget_hint(" ".join(res.not_proven))
    emit(args, obj, "\n".join(lines))
    # diff/cmp style (docs/output.md): 0 a positive verdict is proven, 1 refuted (a hidden symmetry,
    # with its witness), 3 undecided
    return {"no-hidden-symmetries": EXIT_OK, "locally-identifiable": EXIT_OK,
            "hidden-symmetry": EXIT_FAILED}.get(res.verdict, EXIT_UNDECIDED)
