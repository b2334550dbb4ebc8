"""``exactsym check CERT [--engine {stdlib,flint}]``: re-verify a certificate.

``stdlib`` (default): the minimal trusted checker (:mod:`exactsym.check`,
standard library + the network parser). ``flint``: the independent fast
engine (:mod:`exactsym.fastcheck`: python-flint and numpy, none of
exactsym's kernels) for ``fdim>=r``; other claims go to the stdlib checker.
"""

from __future__ import annotations

import sys
import time

from .common import EXIT_FAILED, EXIT_OK, emit

__all__ = ["add_arguments", "cmd_check"]


def add_arguments(sp) -> None:
    sp.add_argument("cert", metavar="CERT", help="certificate file (.json or .json.gz)")
    sp.add_argument("--engine", choices=("stdlib", "flint"), default="stdlib",
                    help="stdlib: the minimal trusted checker; flint: the independent fast checker built on "
                         "python-flint (fdim>=r; other claims use stdlib)")


def _progress(args):
    if getattr(args, "quiet", False) or getattr(args, "json", False) or not sys.stderr.isatty():
        return None
    return lambda line: sys.stderr.write(f"exactsym: check: {line}\n")


def cmd_check(args) -> int:
    from ..network.io import load_json
    cert = load_json(args.cert)    # unreadable or not JSON at all: one line, exit 2
    t0 = time.monotonic()
    if getattr(args, "engine", "stdlib") == "flint":
        from ..fastcheck import check_certificate_fast
        res = check_certificate_fast(cert, progress=_progress(args))
    else:
        from ..check import check_file, set_progress
        set_progress(_progress(args))      # stderr, only on a terminal and without --quiet/--json
        try:
            res = check_file(args.cert)
        finally:
            set_progress(None)  # strict JSON (duplicate keys are a forgery): INVALID
    obj = res.to_dict()
    obj["file"] = args.cert
    # one schema: "domain" is written as in certificates ("R^n" or {"box": [lo, hi]}); the words the
    # checker printed (e.g. "R^2", or slice coordinates) stay in "domain_words"
    obj["domain_words"] = obj.get("domain")
    dom = cert.get("domain") if isinstance(cert, dict) else None
    obj["domain"] = dom if res.network_sha256 and (dom == "R^n" or isinstance(dom, dict)) else None
    if getattr(args, "engine", "stdlib") != "stdlib":
        obj["engine"] = args.engine
        obj["seconds"] = round(time.monotonic() - t0, 3)
    emit(args, obj, f"{'VALID' if res.valid else 'INVALID'}  {res.claim}: {res.reason}")
    return EXIT_OK if res.valid else EXIT_FAILED
