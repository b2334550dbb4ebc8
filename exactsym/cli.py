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


def parse_box(text):
    """``"LO,HI"`` to the exact pair ``(lo, hi)`` of the cube ``[lo, hi]^n0``."""
    from .numbers import EntryError, parse_entry
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"--box {text!r}: expected LO,HI")
    try:
        lo, hi = parse_entry(parts[0]), parse_entry(parts[1])
    except EntryError as e:
        raise UsageError(f"--box {text!r}: {e}") from None
    if not lo < hi:
        raise UsageError(f"--box {text!r}: LO must be smaller than HI")
    return lo, hi


def _write_cert(args, cert):
    if getattr(args, "cert", None) and cert is not None:
        write_json_atomic(args.cert, cert, indent=None)
        return True
    return False


def cmd_certify(args) -> int:
    from .certify import certify
    net = _load(args, args.net)
    box = parse_box(args.box)
    res = certify(net, box=box, seed=args.seed, n_points=args.n_points, max_regions=args.max_regions,
                  time_limit=args.time_limit, progress=not args.quiet and not args.json)
    wrote = _write_cert(args, res.certificate)
    obj = res.to_dict()
    obj.update(file=args.net, certificate=args.cert if wrote else None)
    lines = [f"verdict      {res.verdict}",
             f"network      {args.net}  architecture {tuple(net.architecture)}, D = {net.D}, H = {net.H}, "
             f"D - H = {net.bound}"]
    if res.fdim is not None:
        lines.append(f"fdim         {'exactly ' if res.fdim_exact and res.fdim < res.bound else ''}{res.fdim}"
                     + (" = D - H (certified)" if res.fdim == res.bound else
                        f" < D - H = {res.bound}" + ("" if res.fdim_exact else " (a lower bound from a batch)")))
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
    _emit(args, obj, "\n".join(lines))
    return EXIT_OK


def cmd_equiv(args) -> int:
    from .equiv import equivalent
    a = _load(args, args.net1)
    b = _load(args, args.net2)
    if a.n0 != b.n0 or a.n_out != b.n_out:
        raise InputError(args.net2, f"maps R^{b.n0} -> R^{b.n_out}, but {args.net1} maps R^{a.n0} -> R^{a.n_out}")
    res = equivalent(a, b, box=parse_box(args.box), seed=args.seed, max_regions=args.max_regions,
                     time_limit=args.time_limit)
    wrote = _write_cert(args, res.certificate)
    obj = res.to_dict()
    obj["certificate"] = args.cert if wrote else None
    word = {True: "equivalent", False: "not equivalent", None: "undecided"}[res.equivalent]
    lines = [f"{word}: {res.reason}", f"same orbit under G: {'yes' if res.same_orbit else 'no'}"]
    if res.point is not None:
        from .numbers import fmt
        lines.append("point        (" + ", ".join(fmt(v) for v in res.point) + ")")
        lines.append("F1 there     (" + ", ".join(fmt(v) for v in res.values[0]) + ")")
        lines.append("F2 there     (" + ", ".join(fmt(v) for v in res.values[1]) + ")")
    if wrote:
        lines.append(f"certificate  {args.cert}")
    _emit(args, obj, "\n".join(lines))
    return EXIT_OK


def cmd_check(args) -> int:
    from .check import check_certificate
    from .io import load_json
    cert = load_json(args.cert)
    res = check_certificate(cert)
    obj = res.to_dict()
    obj["file"] = args.cert
    _emit(args, obj, f"{'VALID' if res.valid else 'INVALID'}  {res.claim}: {res.reason}")
    return EXIT_OK if res.valid else EXIT_FAILED


def _not_yet(name):
    def run(args) -> int:
        msg = f"'exactsym {name}' is not implemented yet in exactsym {__version__}"
        _emit(args, {"error": msg, "exit_code": EXIT_UNAVAILABLE}, None)
        sys.stderr.write(f"exactsym: {msg}\n")
        return EXIT_UNAVAILABLE
    return run


# ---- parser --------------------------------------------------------------------

def positive_int(text):
    """argparse type: a positive integer (shared by the subcommand modules)."""
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
        sp.add_argument("--denominator", type=positive_int, metavar="N",
                        help="round every entry to a multiple of 1/N (reported)")

    sp = add("info", cmd_info, "architecture, D, H and D - H of a network")
    net_arg(sp)
    sp = add("random", cmd_random, "write a seeded random network with rational entries")
    sp.add_argument("arch", metavar="ARCH", help="widths, e.g. 2,3,1")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--init", default="kaiming", help="kaiming | uniform | int:K")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="entries are multiples of 1/N (default 256)")
    sp.add_argument("-o", "--output", metavar="NET")
    sp = add("canon", cmd_canon, "canonical form under permutations and positive scalings")
    net_arg(sp)
    sp.add_argument("-o", "--output", metavar="OUT")
    sp = add("certify", cmd_certify, "certify no hidden symmetries / local identifiability, or find a witness")
    net_arg(sp)
    sp.add_argument("--box", metavar="LO,HI", help="domain [LO,HI]^n0 instead of R^n0")
    sp.add_argument("--cert", metavar="OUT", help="write the certificate here")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--n-points", type=positive_int, metavar="N", help="batch size for the rank")
    sp.add_argument("--max-regions", type=positive_int, default=5000, metavar="N")
    sp.add_argument("--time-limit", type=float, default=60.0, metavar="S")
    sp = add("equiv", cmd_equiv, "decide exactly whether two networks compute the same function")
    sp.add_argument("net1", metavar="NET1")
    sp.add_argument("net2", metavar="NET2")
    sp.add_argument("--denominator", type=positive_int, metavar="N")
    sp.add_argument("--box", metavar="LO,HI")
    sp.add_argument("--cert", metavar="OUT")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--max-regions", type=positive_int, default=100_000, metavar="N")
    sp.add_argument("--time-limit", type=float, default=None, metavar="S")
    sp = add("check", cmd_check, "re-verify a certificate with the standard-library checker")
    sp.add_argument("cert", metavar="CERT")
    for name, module, help_ in [("fdim", "fdim_cli", "exact functional dimension with a certificate"),
                                ("regions", "regions_cli", "certified activation-region enumeration"),
                                ("sweep", "sweep_cli", "exact functional-dimension sweeps over architectures"),
                                ("reproduce", "reproduce_cli", "figures and float-disagreement tables from a sweep CSV"),
                                ("construct", "construct_cli",
                                 "certified full-functional-dimension settings over an architecture grid")]:
        try:
            from importlib import import_module
            mod = import_module(f".{module}", __package__)
        except ImportError:
            sp = add(name, _not_yet(name), help_)
            sp.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
            continue
        sp = add(name, getattr(mod, f"cmd_{name}"), help_)
        if name not in ("sweep", "reproduce", "construct"):
            net_arg(sp)
        mod.add_arguments(sp)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # "--box -2,2" would read -2,2 as an option: glue the value on
    for i in range(len(argv) - 1):
        if argv[i] == "--box" and argv[i + 1][:1] == "-":
            argv[i:i + 2] = [f"--box={argv[i + 1]}", ""]
    argv = [a for a in argv if a != ""]
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
