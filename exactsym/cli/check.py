"""``exactsym check CERT``: re-verify a certificate with the standard-library checker."""

from __future__ import annotations

from .common import EXIT_FAILED, EXIT_OK, emit

__all__ = ["add_arguments", "cmd_check"]


def add_arguments(sp) -> None:
    sp.add_argument("cert", metavar="CERT", help="certificate file (.json or .json.gz)")


def cmd_check(args) -> int:
    from ..check import check_file
    from ..network.io import load_json
    load_json(args.cert)           # unreadable or not JSON at all: one line, exit 2
    res = check_file(args.cert)    # strict JSON (duplicate keys are a forgery): INVALID
    obj = res.to_dict()
    obj["file"] = args.cert
    emit(args, obj, f"{'VALID' if res.valid else 'INVALID'}  {res.claim}: {res.reason}")
    return EXIT_OK if res.valid else EXIT_FAILED
