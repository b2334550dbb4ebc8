"""``exactsym info NET``: architecture, D, H and D - H of a network."""

from __future__ import annotations

from .common import EXIT_OK, emit, load, net_arg

__all__ = ["add_arguments", "cmd_info"]


def add_arguments(sp) -> None:
    net_arg(sp)


def cmd_info(args) -> int:
    net = load(args, args.net)
    # D - H bounds dim_fun only when the H scaling generators are independent (nonzero incoming rows)
    rows_ok = all(any(net.layers[l - 1][0][j]) or net.layers[l - 1][1][j] for l, j in net.hidden_neurons())
    bound_words = ("(functional-dimension upper bound)" if rows_ok else
                   "(NOT an upper bound here: a hidden incoming row is zero, so the scaling generators are "
                   "dependent; proofs/scaling-kernel.md)")
    obj = {"file": args.net, "architecture": list(net.architecture), "depth": net.depth,
           "n0": net.n0, "D": net.D, "H": net.H, "bound": net.bound, "bound_is_upper_bound": rows_ok, "sha256": net.sha256(),
           "rounded_to_denominator": args.denominator}
    text = (f"network      {args.net}\n"
            f"architecture {tuple(net.architecture)}  (depth d = {net.depth})\n"
            f"parameters   D = {net.D}\n"
            f"hidden       H = {net.H}\n"
            f"bound        D - H = {net.bound}  {bound_words}\n"
            f"sha256       {net.sha256()}")
    emit(args, obj, text)
    return EXIT_OK
