"""``exactsym info NET``: architecture, D, H and D - H of a network."""

from __future__ import annotations

from .common import EXIT_OK, emit, load, net_arg

__all__ = ["add_arguments", "cmd_info"]


def add_arguments(sp) -> None:
    net_arg(sp)


def cmd_info(args) -> int:
    net = load(args, args.net)
    obj = {"file": args.net, "architecture": list(net.architecture), "depth": net.depth,
           "n0": net.n0, "D": net.D, "H": net.H, "bound": net.bound, "sha256": net.sha256(),
           "rounded_to_denominator": args.denominator}
    text = (f"network      {args.net}\n"
            f"architecture {tuple(net.architecture)}  (depth d = {net.depth})\n"
            f"parameters   D = {net.D}\n"
            f"hidden       H = {net.H}\n"
            f"bound        D - H = {net.bound}  (functional-dimension upper bound)\n"
            f"sha256       {net.sha256()}")
    emit(args, obj, text)
    return EXIT_OK
