"""``exactsym canon NET``: the canonical form under permutations and positive scalings."""

from __future__ import annotations

import json

from ..network.io import save_network
from .common import EXIT_OK, emit, load, net_arg

__all__ = ["add_arguments", "cmd_canon"]


def add_arguments(sp) -> None:
    net_arg(sp)
    sp.add_argument("-o", "--output", metavar="OUT", help="write the canonical network here (JSON)")


def cmd_canon(args) -> int:
    from ..check.shared.orbit import canonical_form
    net = load(args, args.net)
    cf = canonical_form(net)
    if args.output:
        save_network(cf.network, args.output)
    obj = {"file": args.net, "sha256": net.sha256(), "canonical_sha256": cf.sha256(),
           "exact": cf.exact, "canonical": cf.network.to_dict(), "output": args.output}
    lines = [f"network          {args.net}",
             f"sha256           {net.sha256()}",
             f"canonical sha256 {cf.sha256()}",
             "invariant        " + ("yes: depends only on the orbit G.theta" if cf.exact else
                                   "no: tie groups in consecutive layers; use same_orbit")]
    if args.output:
        lines.append(f"wrote            {args.output}")
    else:
        lines.append(json.dumps(cf.network.to_dict()))
    emit(args, obj, "\n".join(lines))
    return EXIT_OK
