"""What every subcommand shares: exit codes, errors, output, loading, argument types."""

from __future__ import annotations

import argparse
import json
import sys

from ..network.io import InputError, load_network, write_json_atomic

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_UNAVAILABLE", "UsageError", "Parser",
           "InputError", "emit", "note", "load", "parse_box", "positive_int", "write_cert", "net_arg"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 1, 2, 3


class UsageError(Exception):
    """Bad command-line values (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so errors get one line and exit 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def emit(args, obj: dict, text: str | None) -> None:
    """Print the JSON object (``--json``) or the text."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(obj, sort_keys=False) + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")


def note(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        sys.stderr.write(f"exactsym: note: {msg}\n")


def load(args, path):
    """Load a network, applying (and reporting) ``--denominator`` rounding."""
    net = load_network(path, denominator=getattr(args, "denominator", None))
    if getattr(args, "denominator", None):
        note(args, f"{path}: entries rounded to multiples of 1/{args.denominator}")
    return net


def parse_box(text):
    """``"LO,HI"`` to the exact pair ``(lo, hi)`` of the cube ``[lo, hi]^n0``."""
    from ..network.numbers import EntryError, parse_entry
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


def write_cert(args, cert) -> bool:
    if getattr(args, "cert", None) and cert is not None:
        write_json_atomic(args.cert, cert, indent=None)
        return True
    return False


def positive_int(text):
    """argparse type: a positive integer (shared by the subcommand modules)."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not positive")
    return v


def net_arg(sp) -> None:
    """The NET argument and ``--denominator`` of every subcommand that reads one network."""
    sp.add_argument("net", metavar="NET", help="network file (.json, .npz, .pt)")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="round every entry to a multiple of 1/N (reported)")
