"""The ``exactsym`` command line: a thin layer over the Python API.

Exit codes: 0 done, 1 a check or certificate failed, 2 bad input,
3 the subcommand is not available in this version.
Every subcommand accepts ``--json`` and then prints exactly one JSON object
on stdout (errors too: ``{"error": ..., "exit_code": ...}``).

Each subcommand is one module of this package with ``add_arguments(sp)``
and ``cmd_<name>(args)``; this module only builds the parser and maps
errors to exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import import_module

from .. import __version__
from .common import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, InputError, Parser, UsageError, check_paths, emit

__all__ = ["main", "entry", "build_parser", "SUBCOMMANDS"]

#: (name, help) in the order ``exactsym --help`` lists them; module ``exactsym.cli.<name>``
SUBCOMMANDS = [
    ("info", "architecture, D, H and D - H of a network"),
    ("random", "write a seeded random network with rational entries"),
    ("canon", "canonical form under permutations and positive scalings"),
    ("certify", "certify no hidden symmetries / local identifiability, or find a witness"),
    ("equiv", "decide exactly whether two networks compute the same function"),
    ("check", "re-verify a certificate with the standard-library checker"),
    ("fdim", "exact functional dimension with a certificate"),
    ("regions", "certified activation-region enumeration"),
    ("sweep", "exact functional-dimension sweeps over architectures"),
    ("reproduce", "figures and float-disagreement tables from a sweep CSV"),
    ("construct", "certified full-functional-dimension settings over an architecture grid"),
]


def _not_yet(name):
    def run(args) -> int:
        msg = f"'exactsym {name}' is not implemented yet in exactsym {__version__}"
        emit(args, {"error": msg, "exit_code": EXIT_UNAVAILABLE}, None)
        sys.stderr.write(f"exactsym: {msg}\n")
        return EXIT_UNAVAILABLE
    return run


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="exactsym", description="Exact verification of ReLU network parameter symmetries.")
    p.add_argument("--version", action="version", version=f"exactsym {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, help_ in SUBCOMMANDS:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        sp.add_argument("--quiet", action="store_true", help="no notes or progress on stderr")
        try:
            mod = import_module(f".{name}", __package__)
        except ImportError:      # an optional dependency of this subcommand is missing
            sp.set_defaults(func=_not_yet(name))
            sp.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
            continue
        sp.set_defaults(func=getattr(mod, f"cmd_{name}"))
        mod.add_arguments(sp)
    return p


#: options whose value may start with '-' (a negative number)
NEGATIVE_VALUE_OPTIONS = ("--box", "--slice", "--plot-window", "--plot-level")


def _glue_negative_box(argv):
    """``--box -2,2`` would read -2,2 as an option: glue the value on."""
    argv = list(argv)
    for i in range(len(argv) - 1):
        if argv[i] in NEGATIVE_VALUE_OPTIONS and argv[i + 1][:1] == "-":
            argv[i:i + 2] = [f"{argv[i]}={argv[i + 1]}", ""]
    return [a for a in argv if a != ""]


def main(argv=None) -> int:
    parser = build_parser()
    argv = _glue_negative_box(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        check_paths(args)  # every output path is valid and no input is overwritten, before any work
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
