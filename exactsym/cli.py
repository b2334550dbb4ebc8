"""The ``exactsym`` command line: a thin layer over the Python API.

Exit codes: 0 done, 1 a check or certificate failed, 2 bad input,
3 the subcommand is not available in this version.
Every subcommand accepts ``--json`` and then prints exactly one JSON object
on stdout (errors too: ``{"error": ..., "exit_code": ...}``).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .io import InputError, load_network, save_network, write_json_atomic

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 1, 2, 3


class UsageError(Exception):
    """Bad command-line values (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _emit(args, obj: dict, text: str | None) -> None:
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(obj, sort_keys=False) + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")


def _note(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        sys.stderr.write(f"exactsym: note: {msg}\n")


def _load(args, path):
    net = load_network(path, denominator=getattr(args, "denominator", None))
    if getattr(args, "denominator", None):
        _note(args, f"{path}: entries rounded to multiples of 1/{args.denominator}")
    return net


# ---- subcommands ---------------------------------------------------------------

def cmd_info(args) -> int:
    net = _load(args, args.net)
    obj = {"file": args.net, "architecture": list(net.architecture), "depth": net.depth,
           "n0": net.n0, "D": net.D, "H": net.H, "bound": net.bound, "sha256": net.sha256(),
           "rounded_to_denominator": args.denominator}
    text = (f"network      {args.net}\n"
            f"architecture {tuple(net.architecture)}  (depth d = {net.depth})\n"
            f"parameters   D = {net.D}\n"
            f"hidden       H = {net.H}\n"
            f"bound        D - H = {net.bound}  (functional-dimension upper bound)\n"
            f"sha256       {net.sha256()}")
    _emit(args, obj, text)
    return EXIT_OK


def cmd_random(args) -> int:
    from .generate import parse_architecture, parse_init, random_network
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
        _emit(args, obj, f"wrote {args.output}: architecture {tuple(arch)}, D = {net.D}, "
                         f"H = {net.H}, seed {args.seed}, init {args.init}\nsha256 {net.sha256()}")
    else:
        sys.stdout.write(json.dumps(net.to_dict()) + "\n")
    return EXIT_OK


def cmd_canon(args) -> int:
    from .symmetry import canonical_form
    net = _load(args, args.net)
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
    _emit(args, obj, "\n".join(lines))
    return EXIT_OK


def _not_yet(name):
    def run(args) -> int:
        msg = f"'exactsym {name}' is not implemented yet in exactsym {__version__}"
        _emit(args, {"error": msg, "exit_code": EXIT_UNAVAILABLE}, None)
        sys.stderr.write(f"exactsym: {msg}\n")
        return EXIT_UNAVAILABLE
    return run


# ---- parser --------------------------------------------------------------------

def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not positive")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="exactsym", description="Exact verification of ReLU network parameter symmetries.")
    p.add_argument("--version", action="version", version=f"exactsym {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name, func, help_):
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.add_argument("--quiet", action="store_true", help="no notes or progress on stderr")
        sp.set_defaults(func=func)
        return sp

    def net_arg(sp):
        sp.add_argument("net", metavar="NET", help="network file (.json, .npz, .pt)")
        sp.add_argument("--denominator", type=_positive_int, metavar="N",
                        help="round every entry to a multiple of 1/N (reported)")

    sp = add("info", cmd_info, "architecture, D, H and D - H of a network")
    net_arg(sp)
    sp = add("random", cmd_random, "write a seeded random network with rational entries")
    sp.add_argument("arch", metavar="ARCH", help="widths, e.g. 2,3,1")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--init", default="kaiming", help="kaiming | uniform | int:K")
    sp.add_argument("--denominator", type=_positive_int, metavar="N",
                    help="entries are multiples of 1/N (default 256)")
    sp.add_argument("-o", "--output", metavar="NET")
    sp = add("canon", cmd_canon, "canonical form under permutations and positive scalings")
    net_arg(sp)
    sp.add_argument("-o", "--output", metavar="OUT")
    for name, help_ in [("fdim", "exact functional dimension with a certificate"),
                        ("regions", "certified activation-region enumeration"),
                        ("certify", "certify no hidden symmetries / local identifiability"),
                        ("equiv", "decide whether two networks compute the same function"),
                        ("check", "re-verify a certificate with the standard-library checker"),
                        ("sweep", "exact functional-dimension sweeps over architectures")]:
        sp = add(name, _not_yet(name), help_)
        sp.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        return args.func(args)
    except (InputError, UsageError) as e:
        msg = str(e).splitlines()[0]
        if want_json:
            sys.stdout.write(json.dumps({"error": msg, "exit_code": EXIT_BAD_INPUT}) + "\n")
        sys.stderr.write(f"exactsym: error: {msg}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("exactsym: interrupted\n")
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
