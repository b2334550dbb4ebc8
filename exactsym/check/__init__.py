"""The trusted certificate checker (``exactsym check``). Standard library only.

:func:`check_certificate` dispatches on the certificate's ``claim`` to a
small verifier in this package. Each verifier re-derives every fact it
needs from the network and the evidence with exact rational arithmetic
(``fractions``) and modular arithmetic on Python integers; it never calls
the fast kernels. The reason for each claim's truth is proved in
``proofs/``.

The rule for the two paths (``docs/layout.md``; ``tests/test_layout.py``
enforces it):

* this package imports only the standard library and the network parser
  (:mod:`exactsym.network.model`, :mod:`exactsym.network.numbers`);
* the fast path imports from it only this entry point and
  :mod:`exactsym.check.shared`, the pure exact helpers both paths use;
  never a claim module (``common``, ``fdim``, ``regions``, ``symmetry``,
  ``equiv``).

A certificate has exactly one of two shapes:

* a single claim: exactly the keys ``format, claim, network,
  network_sha256, domain, evidence``, the claim's own extra keys (``r`` for
  ``fdim>=r`` and ``fdim=r``) and optionally ``provenance``;
* a bundle: exactly ``format, claims, network, network_sha256, domain`` and
  optionally ``provenance``, where each entry of ``claims`` is
  ``{claim, evidence}`` plus that claim's extra keys. Sub-claims *inherit*
  the bundle's ``format, network, network_sha256, domain, provenance`` and
  may not carry any of them (not even an equal value), so every sub-claim is
  about the one network whose hash the bundle names.

``provenance``, when present, is exactly ``{"rounded_to_denominator": N}``
with N a positive JSON integer or null. The checker cannot verify it (it
speaks of the user's source file, not of the network in the certificate);
it checks its shape and, for N not null, says so in its reason.

Every reason ends with the network's SHA-256 and the domain verified, once
the network has been parsed and its hash checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from .common import (
    CheckFailure,
    domain_words,
    integer,
    keys,
    load_network,
    parse_domain,
    strict_loads,
)

__all__ = ["check_certificate", "check_file", "check_json", "set_progress", "CheckResult", "CheckFailure", "CLAIMS", "FORMAT"]

FORMAT = "exactsym-cert/1"
#: keys a bundle's sub-claims inherit and may not carry
INHERITED = ("format", "network", "network_sha256", "domain", "provenance")
_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError,
           RecursionError, OverflowError)


@dataclass
class CheckResult:
    valid: bool
    claim: str | None
    reason: str
    network_sha256: str | None = None
    domain: str | None = None

    def to_dict(self) -> dict:
        return {"valid": self.valid, "claim": self.claim, "reason": self.reason,
                "network_sha256": self.network_sha256, "domain": self.domain}


def _registry():
    """claim name -> (verifier(cert) raising CheckFailure or returning a one-line summary,
    the claim's extra top-level keys)."""
    reg = {}
    from importlib import import_module
    for mod in ("fdim", "regions", "symmetry", "equiv", "slice", "deep"):
        try:
            m = import_module(f".{mod}", __name__)
        except ImportError:
            continue
        extra = getattr(m, "TOP_KEYS", {})
        ACCELERATED.update(getattr(m, "ACCELERATED", ()))
        for name, fn in getattr(m, "VERIFIERS", {}).items():
            reg[name] = (fn, tuple(extra.get(name, ())))
    return reg


CLAIMS = None
#: claims whose verifier accepts an ``accel`` object (:func:`check_certificate`)
ACCELERATED = set()


#: claims whose domain is in slice coordinates (``proofs/slices.md``): never inside a bundle
SLICE_CLAIMS = ("slice-regions-complete",)


class _Context:
    """What is known of the certificate so far, for the wording of every reason."""

    def __init__(self):
        self.sha = self.domain = None
        self.rounded = None

    def reason(self, text: str) -> str:
        tail = f" (network sha256 {self.sha}, on {self.domain})"
        if self.sha is not None and not text.endswith(tail):     # nested checks of the same network
            text += tail
        if self.rounded is not None:
            text += f"; the network was rounded to multiples of 1/{self.rounded} from its source file"
        return text


def _provenance(cert, ctx) -> None:
    if "provenance" not in cert:
        return
    p = keys(cert["provenance"], "provenance", required=("rounded_to_denominator",))
    n = p["rounded_to_denominator"]
    if n is not None:
        ctx.rounded = integer(n, "provenance.rounded_to_denominator", lo=1)


def _network_and_domain(cert, ctx):
    if cert.get("format") != FORMAT:
        raise CheckFailure(f"format is {str(cert.get('format'))[:40]!r}, expected {FORMAT!r}")
    _provenance(cert, ctx)
    net = load_network(cert)
    box = parse_domain(cert.get("domain"), net.n0)
    ctx.sha, ctx.domain = net.sha256(), domain_words(box, net.n0)


def _single(cert, ctx, accel=None) -> tuple[str, str]:
    claim = cert.get("claim")
    if not isinstance(claim, str) or claim not in CLAIMS:
        raise CheckFailure(f"unknown claim {str(claim)[:60]!r}")
    verify, extra = CLAIMS[claim]
    keys(cert, "certificate", required=("format", "claim", "network", "network_sha256", "domain",
                                        "evidence") + extra, optional=("provenance",))
    _network_and_domain(cert, ctx)
    summary = (verify(cert, accel) if accel is not None and claim in ACCELERATED else verify(cert)) or "verified"
    if claim in SLICE_CLAIMS:          # the domain of a slice lives in slice coordinates u in R^k
        box = parse_domain(cert["domain"], 0)
        ctx.domain = domain_words(box, len(cert["evidence"]["points"]) - 1) + " in slice coordinates"
    return claim, summary


def _bundle(cert, ctx, accel=None) -> tuple[str, str]:
    keys(cert, "bundle", required=("format", "claims", "network", "network_sha256", "domain"),
         optional=("provenance",))
    _network_and_domain(cert, ctx)
    subs = cert["claims"]
    if not isinstance(subs, list) or not subs:
        raise CheckFailure("'claims' must be a non-empty list")
    parts = []
    for i, sub in enumerate(subs):
        if not isinstance(sub, dict):
            raise CheckFailure(f"claims[{i}] is not an object")
        if sub.get("claim") in SLICE_CLAIMS:
            raise CheckFailure(f"claims[{i}]: a slice claim reads the domain in slice coordinates and "
                               "cannot share a bundle's domain")
        carried = [k for k in INHERITED if k in sub]
        if carried:
            raise CheckFailure(f"claims[{i}] carries {carried[0]!r}: sub-claims inherit "
                               "format, network, network_sha256, domain and provenance from the bundle")
        full = dict(sub)
        full.update({k: cert[k] for k in INHERITED if k in cert})
        try:
            name, _ = _single(full, _Context(), accel)
        except CheckFailure as e:
            raise CheckFailure(f"claims[{i}] ({str(sub.get('claim'))[:40]}): {e}") from None
        parts.append(name)
    return "bundle", "all claims verified: " + ", ".join(parts)


def check_certificate(cert, accel=None) -> CheckResult:
    """Verify one certificate object: a single claim or a bundle (module docstring).

    ``accel``: an optional object that replaces the heavy exact steps of the claims in
    :data:`ACCELERATED` (``exactsym check --engine flint``); every other check,
    including all syntax and structure, is this checker's own.
    """
    global CLAIMS
    if CLAIMS is None:
        CLAIMS = _registry()
    ctx = _Context()
    claim = cert.get("claim") if isinstance(cert, dict) else None
    claim = claim if isinstance(claim, str) and claim in CLAIMS else None
    try:
        if not isinstance(cert, dict):
            raise CheckFailure("certificate is not a JSON object")
        if "claims" in cert:
            if "claim" in cert or "evidence" in cert:
                raise CheckFailure("a certificate has either 'claim' and 'evidence' or 'claims', not both")
            claim = "bundle"
            name, summary = _bundle(cert, ctx, accel)
        else:
            name, summary = _single(cert, ctx, accel)
        return CheckResult(True, name, ctx.reason(summary), ctx.sha, ctx.domain)
    except CheckFailure as e:
        return CheckResult(False, claim, ctx.reason(str(e)), ctx.sha, ctx.domain)
    except _ERRORS as e:
        # malformed evidence: any structural surprise is a rejection, never a crash
        return CheckResult(False, claim, ctx.reason(f"malformed certificate ({type(e).__name__}: "
                                                    f"{str(e)[:120]})"), ctx.sha, ctx.domain)


def set_progress(fn) -> None:
    """Route the checker's progress lines (long checks only) to ``fn(line)``, or switch them off (None)."""
    from . import common
    common.PROGRESS = fn


def check_json(text: str, where: str = "certificate") -> CheckResult:
    """Parse certificate text strictly (no duplicate keys, no NaN/Infinity) and verify it."""
    try:
        cert = strict_loads(text)
    except (ValueError, RecursionError) as e:
        return CheckResult(False, None, f"{where}: cannot read certificate: {str(e).splitlines()[0][:160]}")
    return check_certificate(cert)


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
    """Load a certificate file (strict JSON, or gzip-compressed strict JSON) and verify it."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":          # .json.gz (standard-library gzip), capped
            data = _gunzip(data)
        text = data.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as e:
        return CheckResult(False, None, f"{path}: cannot read certificate: {str(e).splitlines()[0][:160]}")
    return check_json(text, str(path))
