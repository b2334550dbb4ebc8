"""``exactsym random ARCH``: a seeded random network with rational entries."""

from __future__ import annotations

import json
import sys

from ..network.io import save_network
from .common import EXIT_OK, UsageError, emit, positive_int

__all__ = ["add_arguments", "cmd_random"]


def add_arguments(sp) -> None:
    sp.add_argument("arch", metavar="ARCH", help="widths, e.g. 2,3,1")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--init", default="kaiming", help="kaiming | uniform | int:K")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="entries are multiples of 1/N (default 256)")
    sp.add_argument("-o", "--output", metavar="NET")


def cmd_random(args) -> int:
    from ..network.generate import parse_architecture, parse_init, random_network
    try:
        arch = parse_architecture(args.arch)
        parse_init(args.init)
    except ValueError as e:
        raise UsageError(str(e)) from None
    den = args.denominator or 256
    net = random_network(arch, seed=args.seed, init=args.init, denominator=den)
    if args.output:
        save_network(net, args.output)
        obj = {"output": args.output, "architecture": arch, "D": net.D, "H": net.H,
               "seed": args.seed, "init": args.init, "denominator": den, "sha256": net.sha256()}
        emit(args, obj, f"wrote {args.output}: architecture {tuple(arch)}, D = {net.D}, "
                         f"H = {net.H}, seed {args.seed}, init {args.init}\nsha256 {net.sha256()}")
    else:
        sys.stdout.write(json.dumps(net.to_dict()) + "\n")
    return EXIT_OK
