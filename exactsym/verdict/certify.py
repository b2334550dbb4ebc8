r"""``certify``: one verdict about theta's hidden symmetries, with a certificate.

Verdicts (SPEC section 3), strongest first, each only with its proof:

``hidden-symmetry``
    an explicit theta' (a mechanism witness, :mod:`exactsym.mechanisms`)
    with F_theta' = F_theta on the domain and theta' not in G.theta.
``no-hidden-symmetries``
    depth 2 on all of R^n0: the shallow criterion (i)-(iv) holds, checked
    exactly (``proofs/shallow-criterion.md``).
``locally-identifiable``
    ``fdim >= D - H`` (modular-rank certificate) and every hidden incoming
    row nonzero; by the constant-rank theorem the fibre near theta is the
    scaling orbit (``proofs/local-identifiability.md``). This is the
    strongest positive verdict for deep networks: no global criterion for
    depth >= 3 is proven in ``proofs/``.
``undecided``
    with the reason (a criterion's hypothesis that failed with no witness,
    a deficit of the batch rank that is not settled, a budget).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..network.model import Network
from .criteria import shallow_criterion
from .mechanisms import detect, domain_json

__all__ = ["certify", "CertifyResult", "shallow_criterion"]


@dataclass
class CertifyResult:
    verdict: str
    fdim: int | None
    fdim_exact: bool
    bound: int
    D: int
    H: int
    mechanisms: list
    suspects: list
    reason: str
    proven: list
    not_proven: list
    criterion: dict | None = None
    regions: dict | None = None
    witness: object = field(default=None, repr=False)
    certificate: dict | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        # "fdim" holds dim_fun only when it is proven; a batch rank is a lower bound, and says so in its key
        return {"verdict": self.verdict, "fdim": self.fdim if self.fdim_exact else None,
                "fdim_lower_bound": self.fdim, "fdim_upper_bound": self.bound, "fdim_exact": self.fdim_exact,
                "bound": self.bound, "D": self.D, "H": self.H, "mechanisms": self.mechanisms,
                "suspects": self.suspects, "reason": self.reason, "proven": self.proven,
                "not_proven": self.not_proven, "criterion": self.criterion, "regions": self.regions}


def _rows_nonzero(net) -> bool:
    return all(any(net.layers[l - 1][0][j]) or net.layers[l - 1][1][j] for l, j in net.hidden_neurons())


def certify(net: Network, box=None, seed: int = 0, n_points: int | None = None,
            use_regions: bool | None = None, max_regions: int = 5000,
            time_limit: float | None = 60.0, progress: bool = False) -> CertifyResult:
    """Certify theta's symmetry status on R^n0 (``box=None``) or on ``[lo, hi]^n0``.

    Phases, strongest verdict first: regions (stability facts, witnesses of
    the criteria), a mechanism witness (``hidden-symmetry``), dim_fun, a proven
    global criterion (``no-hidden-symmetries``), local identifiability, else
    ``undecided`` with the reason. ``time_limit`` is one wall-clock deadline
    over all phases. ``use_regions``: enumerate regions (within
    ``max_regions``/``time_limit``); by default when the network has depth
    >= 3 or a box domain.
    """
    import time
    t_start = time.monotonic()
    deadline = None if time_limit is None else t_start + time_limit
    proven, not_proven = [], []
    if use_regions is None:
        use_regions = net.depth >= 3 or box is not None
    reg_seen, regions_info = (_enumerate(net, box, max_regions, deadline, progress, proven, not_proven)
                              if use_regions else (None, None))
    reg = reg_seen if reg_seen is not None and reg_seen.complete else None
    witnesses, suspects = detect(net, box, _RegionFacts(reg) if reg is not None else None, deadline=deadline)
    base = dict(bound=net.bound, D=net.D, H=net.H, suspects=suspects, regions=regions_info)
    if witnesses:
        w = witnesses[0]
        proven.append(f"F_theta' = F_theta for the explicit theta' of mechanism {w.mechanism} "
                      f"({w.name}), and theta' is not in G.theta")
        return CertifyResult("hidden-symmetry", None, False, mechanisms=[x.to_dict() for x in witnesses],
                             reason=w.description, proven=proven, not_proven=not_proven,
                             witness=w, certificate=w.certificate, **base)
    if progress:
        _progress_writer(progress, t_start)("functional dimension: batch rank, then a decisive set if needed")
    from ..rank.dimfun import dim_fun
    dfr = dim_fun(net, box=box, seed=seed, n_points=n_points, max_regions=max_regions,
                  regions_result=reg_seen, deadline=deadline)
    fdim_evidence = _fdim_facts(net, box, dfr, proven, not_proven)
    head = {"format": "exactsym-cert/1", "network": net.to_dict(), "network_sha256": net.sha256(),
            "domain": domain_json(box)}
    claims = []
    full, rows_ok = dfr.rank == net.bound, _rows_nonzero(net)
    if full and rows_ok and box is None and fdim_evidence is not None:
        claims.append({"claim": "locally-identifiable", "evidence": {"fdim": fdim_evidence}})
        proven.append("theta is locally identifiable: near theta, F_theta' = F_theta only on G.theta")
    elif full and rows_ok:
        not_proven.append("local identifiability on a box: the locally-identifiable claim is proven for "
                          "R^n0 only (proofs/local-identifiability.md)")
    crit, nhs = _global_criterion(net, box, reg, deadline, not_proven)
    if nhs is not None:
        name, evidence, why = nhs
        claims.insert(0, {"claim": "no-hidden-symmetries", "evidence": evidence})
        proven.insert(0, f"no hidden symmetries on R^n0: the {name} criterion holds exactly")
    if claims:
        cert = dict(head, claims=claims) if len(claims) > 1 else dict(head, **claims[0])
        verdict, why = ("no-hidden-symmetries", nhs[2]) if nhs is not None else (
            "locally-identifiable", "fdim = D - H and every hidden incoming row is nonzero")
        return CertifyResult(verdict, dfr.rank, dfr.exact, mechanisms=[], criterion=crit, reason=why,
                             proven=proven, not_proven=not_proven, certificate=cert, **base)
    return _undecided(net, dfr, head, fdim_evidence, rows_ok, crit, proven, not_proven, base)


def _enumerate(net, box, max_regions, deadline, progress, proven, not_proven):
    """The region enumeration within the deadline: ``(result or None, summary or None)``."""
    import time
    try:
        from ..arrangement import regions as enumerate_regions
    except ImportError:
        not_proven.append("stability of deeper neurons (region enumeration unavailable)")
        return None, None
    reg = enumerate_regions(net, box=box, max_regions=max_regions,
                            time_limit=None if deadline is None else max(0.0, deadline - time.monotonic()),
                            progress=progress)
    info = {"count": len(reg.regions), "complete": bool(reg.complete), "reason": getattr(reg, "reason", None)}
    if reg.complete:
        proven.append(f"the domain has exactly {len(reg.regions)} activation regions (certified)")
    else:
        not_proven.append(f"stability of deeper neurons on the whole domain (region enumeration incomplete: "
                          f"{info['reason']})")
    return reg, info


def _fdim_facts(net, box, dfr, proven, not_proven):
    """Record what is proven of dim_fun; returns ``fdim>=r`` evidence for the rank reached, if any."""
    fd, rank = dfr.batch, dfr.rank
    dom_text = "R^n0" if box is None else f"[{box[0]},{box[1]}]^n0"
    evidence = fd.certificate["evidence"] if fd.certificate and fd.rank == rank else None
    if dfr.decisive is not None and rank == net.bound and dfr.regions is not None:
        evidence = _decisive_as_batch(net, dfr.regions, dfr.decisive.certificate)
    if rank == net.bound:
        kind = "decisive set" if dfr.decisive is not None else "batch of points in the domain"
        proven.append(f"functional dimension = D - H = {net.bound} on {dom_text} (modular-rank certificate on a "
                      f"{kind}; D - H is an upper bound)")
    elif dfr.exact:
        proven.append(f"functional dimension = {rank} < D - H = {net.bound} exactly on {dom_text} (decisive set "
                      f"over a complete region enumeration, with D - {rank} exact kernel vectors)")
    else:
        not_proven.append(f"the functional dimension: the rank of this batch is {rank} < D - H = {net.bound}"
                          + (" (exact for the batch)" if fd.exact else " (a certified lower bound)")
                          + f", a lower bound of dim_fun ({dfr.reason})")
    return evidence


def _undecided(net, dfr, head, fdim_evidence, rows_ok, crit, proven, not_proven, base):
    """The ``undecided`` result, with the strongest certificate that was obtained."""
    rank, exact_dim = dfr.rank, (dfr.rank if dfr.exact else None)
    if not rows_ok:
        reason = "a hidden neuron has a zero incoming row"
    elif exact_dim is not None and exact_dim < net.bound:
        reason = (f"functional dimension {exact_dim} < D - H = {net.bound} (exact); "
                  "no mechanism witness found")
        base["suspects"].append("fdim deficit without a witness: restricted image (mechanism 8) suspect")
    elif rank == net.bound:
        reason = "fdim = D - H, but local identifiability is certified on R^n0 only"
    else:
        reason = f"batch functional dimension {rank} < D - H = {net.bound}; no mechanism witness found"
    dec = dfr.decisive
    if exact_dim is not None and dec is not None and dec.certificate is not None:
        cert = dec.certificate
    else:
        cert = dict(head, claim="fdim>=r", r=rank, evidence=fdim_evidence) if rank and fdim_evidence else None
    return CertifyResult("undecided", rank, dfr.exact, mechanisms=[], criterion=crit, reason=reason,
                         proven=proven, not_proven=not_proven, certificate=cert, **base)


def _global_criterion(net, box, reg, deadline, not_proven):
    """A proven criterion for "no hidden symmetries on R^n0", when one applies and holds.

    Depth 2: the shallow criterion (``proofs/shallow-criterion.md``); depth 3:
    the two-hidden-layer criterion (``proofs/deep-two-hidden-layers.md``), whose
    witnesses are found from the complete region enumeration ``reg``. Returns
    ``(crit, (name, evidence, reason))`` when it holds, else ``(crit, None)``
    after recording in ``not_proven`` which hypothesis failed.
    """
    if box is not None:
        not_proven.append("global absence of hidden symmetries on a box: the criteria are proven for "
                          "R^n0 only")
        return None, None
    if net.depth == 2:
        crit = shallow_criterion(net, deadline=deadline)
        if crit["i"] and crit["ii"] and crit["iii"] and crit["iv"]:
            ev = {"criterion": "shallow", "kernel_dimension": crit["kernel_dimension"]}
            return crit, ("shallow", ev, "shallow criterion (i)-(iv) holds")
        not_proven.append("global absence of hidden symmetries: " + "; ".join(crit["failing"])
                          + " (and no mechanism witness was found)")
        return crit, None
    if net.depth == 3:
        from .deep import two_hidden_layer_certificate
        c = two_hidden_layer_certificate(net, reg)
        if isinstance(c, dict):
            return None, ("two-hidden-layer", c["evidence"], "two-hidden-layer criterion (H1)-(H7) holds")
        not_proven.append(f"global absence of hidden symmetries: the two-hidden-layer criterion does not "
                          f"apply: {c}")
        return None, None
    not_proven.append("global absence of hidden symmetries: no criterion for depth >= 4 is proven "
                      "(proofs/deep-open-problem.md)")
    return None, None


def _progress_writer(on, t0):
    import sys
    import time

    def say(line):
        if on and sys.stderr.isatty():
            sys.stderr.write(f"exactsym: [{time.monotonic() - t0:6.1f} s] {line}\n")
    return say


class _RegionFacts:
    """Adapter: a complete region enumeration as (patterns, regions-complete evidence)."""

    def __init__(self, res):
        self.patterns = [tuple(r.pattern) for r in res.regions]
        self.evidence = res.certificate["evidence"]


def _decisive_as_batch(net, reg, cert) -> dict | None:
    """The minor of an ``fdim=r`` certificate re-issued as ``fdim>=r`` evidence.

    Decisive points are smooth interior points of their regions, so the
    minor they carry proves ``fdim >= r`` on its own (modular lemma). Only
    the points the minor uses are kept; the prime is the one the
    ``fdim>=r`` checker binds to this evidence, and the minor is re-checked
    modulo it (``None`` in the unlikely case that it vanishes there).
    """
    from ..check.shared.exact import det_nonzero_mod_p, jacobian_rows, residue
    from ..check.shared.primes import bound_prime
    from ..network.numbers import parse_entry
    ev = cert["evidence"]
    flat = []
    for region, group in zip(ev["regions"]["regions"], ev["decisive_points"]):
        flat += [(p, list(region["pattern"])) for p in group]
    nd = net.n_out
    used = sorted({r // nd for r in ev["rows"]})
    where = {i: k for k, i in enumerate(used)}
    rows = [where[r // nd] * nd + r % nd for r in ev["rows"]]
    out = {"points": [flat[i][0] for i in used], "labels": [flat[i][1] for i in used],
           "rows": rows, "columns": list(ev["columns"])}
    body = {"claim": "fdim>=r", "r": net.bound, "network_sha256": net.sha256(), "domain": domain_json(reg.box),
            "evidence": out}
    dens = [v.denominator for v in net.flat()] + [parse_entry(c).denominator for p in out["points"] for c in p]
    P = bound_prime(body, dens)
    J = [row for p in out["points"] for row in jacobian_rows(net, [parse_entry(c) for c in p])]
    M = [[residue(J[r][c], P) for c in out["columns"]] for r in rows]
    if not det_nonzero_mod_p(M, P):
        return None
    out["prime"] = P
    return out
