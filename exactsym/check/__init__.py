"""The trusted certificate checker (``exactsym check``). Standard library only.

:func:`check_certificate` dispatches on the certificate's ``claim`` to a
small verifier in this package. Each verifier re-derives every fact it
needs from the network and the evidence with exact rational arithmetic
(``fractions``) and modular arithmetic on Python integers; it never calls
the fast kernels. The reason for each claim's truth is proved in
``proofs/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .common import CheckFailure

__all__ = ["check_certificate", "check_file", "CheckResult", "CheckFailure", "CLAIMS", "FORMAT"]

FORMAT = "exactsym-cert/1"


@dataclass
class CheckResult:
    valid: bool
    claim: str | None
    reason: str

    def to_dict(self) -> dict:
        return {"valid": self.valid, "claim": self.claim, "reason": self.reason}


def _registry():
    """claim name -> verifier(cert) raising CheckFailure or returning a one-line summary."""
    reg = {}
    from importlib import import_module
    for mod in ("fdim", "regions", "symmetry", "equiv"):
        try:
            m = import_module(f".{mod}", __name__)
        except ImportError:
            continue
        reg.update(getattr(m, "VERIFIERS", {}))
    return reg


CLAIMS = None


def check_certificate(cert) -> CheckResult:
    """Verify one certificate object (or a bundle with ``"claims"``)."""
    global CLAIMS
    if CLAIMS is None:
        CLAIMS = _registry()
    claim = cert.get("claim") if isinstance(cert, dict) else None
    try:
        if not isinstance(cert, dict):
            raise CheckFailure("certificate is not a JSON object")
        if cert.get("format") != FORMAT:
            raise CheckFailure(f"format is {cert.get('format')!r}, expected {FORMAT!r}")
        if "claims" in cert:
            subs = cert["claims"]
            if not isinstance(subs, list) or not subs:
                raise CheckFailure("'claims' must be a non-empty list")
            parts = []
            for i, sub in enumerate(subs):
                if not isinstance(sub, dict):
                    raise CheckFailure(f"claims[{i}] is not an object")
                full = dict(sub)
                for k in ("format", "network", "network_sha256", "domain"):
                    full.setdefault(k, cert.get(k))
                r = check_certificate(full)
                if not r.valid:
                    raise CheckFailure(f"claims[{i}] ({r.claim}): {r.reason}")
                parts.append(r.claim)
            return CheckResult(True, "bundle", "all claims verified: " + ", ".join(map(str, parts)))
        if claim not in CLAIMS:
            raise CheckFailure(f"unknown claim {claim!r}")
        summary = CLAIMS[claim](cert)
        return CheckResult(True, claim, summary or "verified")
    except CheckFailure as e:
        return CheckResult(False, claim if isinstance(claim, str) else None, str(e))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError,
            RecursionError, OverflowError) as e:
        # malformed evidence: any structural surprise is a rejection, never a crash
        return CheckResult(False, claim if isinstance(claim, str) else None,
                           f"malformed certificate ({type(e).__name__}: {str(e)[:120]})")


#: a gzip certificate may inflate to at most this many bytes
GUNZIP_CAP = 4 << 30


def _gunzip(data: bytes) -> bytes:
    import gzip
    import io
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as g:
        out = g.read(GUNZIP_CAP + 1)
    if len(out) > GUNZIP_CAP:
        raise ValueError(f"gzip certificate inflates past {GUNZIP_CAP} bytes")
    return out


def check_file(path) -> CheckResult:
    """Load a certificate file (JSON, or gzip-compressed JSON) and verify it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":          # .json.gz (standard-library gzip), capped
            data = _gunzip(data)
        cert = json.loads(data.decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as e:
        return CheckResult(False, None, f"{path}: cannot read certificate: {str(e).splitlines()[0][:160]}")
    return check_certificate(cert)
