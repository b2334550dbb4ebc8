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
import time
from importlib import import_module

from .. import __version__
from .common import (
    EXIT_BAD_INPUT,
    EXIT_UNAVAILABLE,
    InputError,
    Parser,
    UsageError,
    check_paths,
    emit,
)

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


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help shows its default, unless the default is "unset" (None or False)."""

    def _get_help_string(self, action):
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if not unset and "default" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _not_yet(name):
    def run(args) -> int:
        msg = f"'exactsym {name}' is not implemented yet in exactsym {__version__}"
        emit(args, {"error": msg, "exit_code": EXIT_UNAVAILABLE}, None)
        sys.stderr.write(f"exactsym: {msg}\n")
        return EXIT_UNAVAILABLE
    return run


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="exactsym", description="Exact verification of ReLU network parameter symmetries.",
               epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"exactsym {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, help_ in SUBCOMMANDS:
        sp = sub.add_parser(name, help=help_, description=help_, epilog=EPILOG,
                            formatter_class=_HelpFormatter)
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


SCHEMA = "exactsym-output/1"
EPILOG = ("exit codes: 0 decided / complete / valid / equivalent, 1 refuted / invalid / not equivalent, "
          "2 bad input, 3 undecided / incomplete (a budget or a failed hypothesis). "
          "--json prints one exactsym-output/1 object (docs/output.md).")


def _domain_of(args, obj):
    if "domain" in obj:
        return obj["domain"]
    if getattr(args, "box", None) is None:
        return "R^n" if hasattr(args, "box") else None
    from ..arrangement.evidence import domain_json
    from .common import parse_box
    return domain_json(parse_box(args.box))


def envelope(args, code: int, t0: float, obj: dict) -> dict:
    """The common keys of every ``--json`` object (``docs/output.md``), then the command's own."""
    out = {"schema": SCHEMA, "command": getattr(args, "command", None), "exit_code": code,
           "time_s": round(time.perf_counter() - t0, 4),
           "seed": obj["seed"] if "seed" in obj else getattr(args, "seed", None),
           "domain": _domain_of(args, obj)}
    out.update({k: v for k, v in obj.items() if k not in out})
    return out


def _footer(args, t0: float) -> str:
    """The text output's last line: the seed, the domain and the time of the run."""
    parts = []
    if getattr(args, "seed", None) is not None:
        parts.append(f"seed {args.seed}")
    if hasattr(args, "box"):
        parts.append("domain " + ("R^n0" if args.box is None else f"[{args.box}]^n0"))
    parts.append(f"{time.perf_counter() - t0:.2f} s")
    return "run          " + ", ".join(parts) + "\n"


def main(argv=None) -> int:
    t0 = time.perf_counter()
    parser = build_parser()
    argv = _glue_negative_box(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    args = None
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        check_paths(args)  # every output path is valid and no input is overwritten, before any work
        try:
            code = args.func(args)
        except OverflowError as e:
            # a composed integer form (products over the layers) outgrew float64 in a float proposal:
            # refuse in one line rather than answer from a float or print a traceback
            raise InputError(getattr(args, "net", None) or "input",
                             f"numbers too large for the float64 proposals ({e}); entries spanning so many "
                             "orders of magnitude are not supported by this command (info and canon are exact)"
                             ) from None
        if want_json:
            sys.stdout.write(json.dumps(envelope(args, code, t0, getattr(args, "json_out", None) or {})) + "\n")
        elif getattr(args, "text_out", False):
            sys.stdout.write(_footer(args, t0))
        return code
    except (InputError, UsageError) as e:
        msg = str(e).splitlines()[0]
        if want_json:
            obj = envelope(args, EXIT_BAD_INPUT, t0, {"seed": None, "domain": None, "error": msg})
            if obj["command"] is None:
                obj["command"] = next((a for a in argv if a in dict(SUBCOMMANDS)), None)
            sys.stdout.write(json.dumps(obj) + "\n")
        sys.stderr.write(f"exactsym: error: {msg}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("exactsym: interrupted\n")
        return 130


def entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:          # "exactsym ... | head": the reader left; not an error of ours
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)
