"""``exactsym equiv NET1 NET2``: do two networks compute the same function, exactly."""

from __future__ import annotations

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNDECIDED,
    InputError,
    budget_hint,
    emit,
    load,
    parse_box,
    positive_float,
    positive_int,
    write_cert,
)

__all__ = ["add_arguments", "cmd_equiv"]


def add_arguments(sp) -> None:
    sp.add_argument("net1", metavar="NET1", help="first network file (.json, .npz, .pt)")
    sp.add_argument("net2", metavar="NET2", help="second network file")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="round every entry of both to a multiple of 1/N (reported)")
    sp.add_argument("--box", metavar="LO,HI", help="compare on [LO,HI]^n0 instead of R^n0")
    sp.add_argument("--cert", metavar="OUT", help="write the equivalent / not-equivalent certificate here")
    sp.add_argument("--seed", type=int, default=0, help="seed of the random probe points")
    sp.add_argument("--max-regions", type=positive_int, default=100_000, metavar="N",
                    help="budget of the common refinement (undecided, exit 3, when reached)")
    sp.add_argument("--time-limit", type=positive_float, default=None, metavar="S",
                    help="wall-clock budget in seconds (undecided, exit 3, when reached)")


def cmd_equiv(args) -> int:
    from ..verdict.equiv import equivalent
    a = load(args, args.net1)
    b = load(args, args.net2)
    if a.n0 != b.n0 or a.n_out != b.n_out:
        raise InputError(args.net2, f"maps R^{b.n0} -> R^{b.n_out}, but {args.net1} maps R^{a.n0} -> R^{a.n_out}")
    res = equivalent(a, b, box=parse_box(args.box), seed=args.seed, max_regions=args.max_regions,
                     time_limit=args.time_limit)
    wrote = write_cert(args, res.certificate)
    obj = res.to_dict()
    obj["certificate"] = args.cert if wrote else None
    obj.setdefault("point", None)       # one schema: present, null unless a differing point is known
    obj.setdefault("values", None)
    word = {True: "equivalent", False: "not equivalent", None: "undecided"}[res.equivalent]
    hint = budget_hint(res.reason) if res.equivalent is None else ""
    obj["reason"] = (res.reason or "") + hint if res.equivalent is None else res.reason
    lines = [f"{word}: {res.reason}{hint}", f"same orbit under G: {'yes' if res.same_orbit else 'no'}"]
    if res.point is not None:
        from ..network.numbers import fmt
        lines.append("point        (" + ", ".join(fmt(v) for v in res.point) + ")")
        lines.append("F1 there     (" + ", ".join(fmt(v) for v in res.values[0]) + ")")
        lines.append("F2 there     (" + ", ".join(fmt(v) for v in res.values[1]) + ")")
    if wrote:
        lines.append(f"certificate  {args.cert}")
    emit(args, obj, "\n".join(lines))
    # diff/cmp style: 0 equivalent, 1 not equivalent, 3 undecided (docs/output.md)
    return {True: EXIT_OK, False: EXIT_FAILED, None: EXIT_UNDECIDED}[res.equivalent]
