"""``exactsym random ARCH``: a seeded random network with rational entries."""

from __future__ import annotations

import json
import sys

from ..network.io import save_network
from .common import EXIT_OK, UsageError, emit, positive_int

__all__ = ["add_arguments", "cmd_random"]


def add_arguments(sp) -> None:
    sp.add_argument("arch", metavar="ARCH", help="widths, e.g. 2,3,1")
    sp.add_argument("--seed", type=_seed, default=0, help="a non-negative integer below 2^128")
    sp.add_argument("--init", default="kaiming", help="kaiming | uniform | int:K")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="entries are multiples of 1/N (default 256)")
    sp.add_argument("-o", "--output", metavar="NET", help="write the network here (default: JSON on stdout)")


def _seed(text):
    """argparse type: numpy seeds are non-negative integers (a negative one used to give a traceback)."""
    import argparse

    from ..network.generate import MAX_SEED
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an integer") from None
    if not 0 <= v <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{v} is not in [0, 2^128)")
    return v


def cmd_random(args) -> int:
    from ..network.generate import (
        check_random_size,
        parse_architecture,
        parse_init,
        random_network,
    )
    try:
        arch = parse_architecture(args.arch)
        check_random_size(arch)
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
    elif args.json:
        emit(args, {"output": None, "architecture": arch, "D": net.D, "H": net.H, "seed": args.seed,
                    "init": args.init, "denominator": den, "sha256": net.sha256(), "network": net.to_dict()}, None)
    else:
        sys.stdout.write(json.dumps(net.to_dict()) + "\n")
    return EXIT_OK
