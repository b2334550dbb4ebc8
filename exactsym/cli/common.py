"""What every subcommand shares: exit codes, errors, output, loading, argument types."""

from __future__ import annotations

import argparse
import os
import sys

from ..network.io import InputError, load_network, write_json_atomic

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_UNDECIDED", "EXIT_UNAVAILABLE", "UsageError", "Parser",
           "InputError", "emit", "note", "load", "parse_box", "positive_int", "positive_float", "write_cert", "net_arg",
           "check_paths", "check_prefix", "budget_hint", "rounded_to", "LOADS_NETWORK", "PATHS"]

#: exit codes in the style of diff/cmp (docs/output.md): 0 decided / complete / valid / equivalent,
#: 1 refuted / invalid / not equivalent, 2 bad input, 3 undecided / incomplete / not available
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3
EXIT_UNAVAILABLE = EXIT_UNDECIDED


class UsageError(Exception):
    """Bad command-line values (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so errors get one line and exit 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


#: subcommands that load networks: their outputs say whether ``--denominator`` rounded them
LOADS_NETWORK = {"info", "canon", "certify", "equiv", "fdim", "regions"}
#: of those, the ones whose float proposals need float-safe entries
FLOAT_PROPOSALS = {"certify", "equiv", "fdim", "regions"}


def rounded_to(args):
    """``N`` when ``--denominator N`` rounded the loaded network(s), else None."""
    return getattr(args, "denominator", None) if getattr(args, "command", None) in LOADS_NETWORK else None


def emit(args, obj: dict, text: str | None) -> None:
    """Print the text, or hand the JSON object (``--json``) to :func:`~.main.main`.

    ``main`` prints the object once the subcommand has returned, with the
    common keys of ``exactsym-output/1`` (``docs/output.md``): ``schema``,
    ``command``, ``exit_code``, ``time_s``, ``seed``, ``domain``.

    For subcommands that load a network, the JSON object always carries
    ``"rounded_to_denominator"`` (N or null) and the text says the rounding in one
    line, ``--quiet`` or not: the answer is about the rounded network.
    """
    if getattr(args, "command", None) in LOADS_NETWORK:
        obj = dict(obj)
        obj["rounded_to_denominator"] = rounded_to(args)
        if text is not None and rounded_to(args):
            text = text.rstrip("\n") + "\n" + rounding_line(args)
    if getattr(args, "json", False):
        args.json_out = obj          # printed by main with the common keys of exactsym-output/1
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")
        args.text_out = True


def rounding_line(args) -> str:
    return (f"rounded      every entry was rounded to a multiple of 1/{rounded_to(args)} from its file: "
            "this answer is about the rounded network")


#: budget words in a reason -> the option that raises that budget
BUDGET_FLAGS = (("max_regions", "--max-regions"), ("time_limit", "--time-limit"), ("max_memory", "--max-memory"),
                ("max-regions", "--max-regions"), ("time-limit", "--time-limit"), ("max-memory", "--max-memory"))


def budget_hint(reason) -> str:
    """``"; raise --max-regions to go further"`` when a budget stopped the work, else ``""``."""
    if not reason:
        return ""
    flags = []
    for word, flag in BUDGET_FLAGS:
        if word in reason and flag not in flags and flag not in reason:
            flags.append(flag)
    return f"; raise {' or '.join(flags)} to go further" if flags else ""


def note(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        sys.stderr.write(f"exactsym: note: {msg}\n")


def load(args, path):
    """Load a network, applying (and reporting) ``--denominator`` rounding.

    Subcommands with float proposals refuse entries too large for float64 (one line).
    """
    from ..network.io import check_float_safe
    net = load_network(path, denominator=getattr(args, "denominator", None))
    if getattr(args, "command", None) in FLOAT_PROPOSALS:
        check_float_safe(net, path)
    if getattr(args, "denominator", None):
        note(args, f"{path}: entries rounded to multiples of 1/{args.denominator}")
    return net


def parse_box(text):
    """``"LO,HI"`` to the exact pair ``(lo, hi)`` of the cube ``[lo, hi]^n0``."""
    from ..network.numbers import EntryError, float_unsafe, parse_entry
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"--box {_short(text)}: expected LO,HI")
    try:
        lo, hi = parse_entry(parts[0]), parse_entry(parts[1])
    except EntryError as e:
        raise UsageError(f"--box {_short(text)}: {e}") from None
    if float_unsafe(lo) or float_unsafe(hi):
        raise UsageError(f"--box {_short(text)}: bound too large for the float proposals (numerator or "
                         "denominator above 2^996, about 6.7e299)")
    if not lo < hi:
        raise UsageError(f"--box {_short(text)}: LO must be smaller than HI")
    return lo, hi


def _short(text) -> str:
    r = repr(text)
    return r if len(r) <= 60 else r[:57] + "..."


def write_cert(args, cert) -> bool:
    """Write ``cert`` to ``--cert`` (atomically) with its provenance; False when there is none.

    Every certificate the CLI writes goes through here, so every one carries the
    top-level ``"provenance": {"rounded_to_denominator": N or null}`` (PREAMBLE
    "Interfaces"): N when the network in it was rounded from its source file.
    """
    if getattr(args, "cert", None) and cert is not None:
        cert = dict(cert)
        cert["provenance"] = {"rounded_to_denominator": rounded_to(args)}
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


def positive_float(text):
    """argparse type: a positive number of seconds (NaN, zero and negatives are refused)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:        # also False for NaN
        raise argparse.ArgumentTypeError(f"{text!r} is not positive")
    return v


def net_arg(sp) -> None:
    """The NET argument and ``--denominator`` of every subcommand that reads one network."""
    sp.add_argument("net", metavar="NET", help="network file (.json, .npz, .pt)")
    sp.add_argument("--denominator", type=positive_int, metavar="N",
                    help="round every entry to a multiple of 1/N (reported)")


# ---- output paths: validated before any work ------------------------------------

#: per subcommand: (argument names of input files, of output files, of output folders).
#: :func:`check_paths` reads this table before dispatch, so no subcommand can write over
#: an input or lose a long run to an unwritable output path.
PATHS = {
    "info": (("net",), (), ()),
    "canon": (("net",), ("output",), ()),
    "random": ((), ("output",), ()),
    "certify": (("net",), ("cert",), ()),
    "equiv": (("net1", "net2"), ("cert",), ()),
    "check": (("cert",), (), ()),
    "fdim": (("net", "points"), ("cert",), ()),
    "regions": (("net", "slice_points", "plot_points"), ("cert", "graph", "plot"), ()),
    "sweep": ((), ("output", "plot"), ()),       # -o CSV is resumed: it may exist
    "reproduce": (("csv",), (), ("outdir",)),
    "construct": ((), (), ("outdir",)),
}
FLAGS = {"output": "-o", "outdir": "-o", "cert": "--cert", "graph": "--graph", "plot": "--plot"}


def _derived(args, name, path) -> list:
    """Files a subcommand writes besides ``path`` itself (they are checked too)."""
    if args.command == "regions" and name == "graph" and not str(path).endswith(".json"):
        stem = path[:-len(".graphml")] if path.endswith(".graphml") else path
        return [stem + ".neurons.graphml"]
    return []


def _same(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _check_output_file(flag, path) -> None:
    if not path:
        raise UsageError(f"{flag}: empty path")
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path}: is a directory, not a file")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise UsageError(f"{flag} {path}: exists and is not a regular file")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: exists and is not writable")
    _check_folder(flag, path, os.path.dirname(os.path.abspath(path)), create=False)


def _check_folder(flag, path, d, create: bool) -> None:
    """``d`` must be a writable folder (with ``create``: or creatable below one)."""
    probe = d
    while create and not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.path.exists(probe):
        raise UsageError(f"{flag} {path}: directory {d} does not exist")
    if not os.path.isdir(probe):
        raise UsageError(f"{flag} {path}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: directory {probe} is not writable")


def check_prefix(prefix) -> None:
    """A file-name prefix must stay inside the output folder: no separator, no '..'."""
    bad = not prefix or "/" in prefix or os.sep in prefix or (os.altsep and os.altsep in prefix) \
        or ".." in prefix or "\0" in prefix
    if bad:
        raise UsageError(f"--prefix {prefix!r}: must be a plain file-name prefix (no '/', no '..')")


def check_paths(args) -> None:
    """Validate every output path of ``args`` before any work (see :data:`PATHS`).

    Outputs must be writable files (or folders) that are neither an input nor another
    output; raises :class:`UsageError` (exit 2, one line) naming the path.
    """
    _check_counts(args)
    ins, outs, dirs = PATHS.get(getattr(args, "command", None), ((), (), ()))
    inputs = [(n, getattr(args, n, None)) for n in ins]
    inputs = [(n, p) for n, p in inputs if p]
    written = []
    for name in outs:
        path = getattr(args, name, None)
        if path is None:
            continue
        path = str(path)
        for p in [path] + _derived(args, name, path):
            _check_output_file(FLAGS[name], p)
            written.append((FLAGS[name], p))
    for name in dirs:
        path = getattr(args, name, None)
        if path is not None:
            if os.path.exists(path) and not os.path.isdir(path):
                raise UsageError(f"-o {path}: not a directory")
            _check_folder(FLAGS[name], path, os.path.abspath(path), create=True)
    if args.command == "reproduce":
        check_prefix(args.prefix)
        written += [("-o", os.path.join(args.outdir, f"{args.prefix}{tail}")) for tail in
                    ("_vs_depth.png", "_vs_width.png", "_vs_n0.png", "_float_disagreements.md",
                     "_float_disagreements.csv")]
    _check_distinct(inputs, written)


def _check_counts(args) -> None:
    """``--n-points`` has the cap of a point file (:data:`~exactsym.network.io.MAX_POINTS`)."""
    from ..network.io import MAX_POINTS
    n = getattr(args, "n_points", None)
    if isinstance(n, int) and n > MAX_POINTS:
        raise UsageError(f"--n-points {n}: more than the limit {MAX_POINTS} (MAX_POINTS)")


def _check_distinct(inputs, written) -> None:
    for i, (flag, p) in enumerate(written):
        for name, q in inputs:
            if os.path.exists(q) and _same(p, q):
                raise UsageError(f"{flag} {p}: is the input {q} (exactsym never writes over an input)")
        for flag2, q in written[:i]:
            if _same(p, q):
                raise UsageError(f"{flag} {p}: is also the output of {flag2}")
