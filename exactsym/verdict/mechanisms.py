r"""Detectors for the mechanisms of hidden symmetries (SPEC section 4).

Each detector looks for its mechanism's hypotheses exactly and, where they
hold, builds an explicit witness theta' (by the trusted transform
:func:`exactsym.check.symmetry.transform`), keeps it only when
:func:`exactsym.symmetry.same_orbit` says it is *not* in ``G . theta``, and
wraps it in a ``hidden-symmetry`` certificate.

Mechanisms and where their hypotheses come from:

1. zero outgoing column of (l, j) — read off theta;
2. stably unactivated neuron, ``z_{l,j} <= 0`` on the whole domain;
3. stably activated neuron, ``z_{l,j} >= 0`` on the whole domain;
4. zero incoming weights (the neuron is the constant ``relu(b)``);
5. proportional incoming rows in one layer;
6. flip set S of a hidden layer with ``sum_S col_j w_j^T = 0``
   (the shallow mechanism of Grigsby-Lindsey-Rolnick, at any layer);
7. a whole hidden layer stably active;
8. restricted images: reported as a *suspect* only.

Stability (2, 3, 7) is a fact about the whole domain, so it never comes
from sampling: it is read off a zero incoming row, off the box corners for
a first-layer neuron on a box, or off a *complete, certified* region
enumeration (every region has the sign). Reference: Grigsby, Lindsey &
Rolnick, *Hidden symmetries of ReLU networks*, ICML 2023, section 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..check.shared.flips import flip_matrices
from .criteria import Deadline, zero_one_search
from ..check.shared.mechanisms import transform
from ..check.shared.orbit import same_orbit
from ..network.model import Network
from ..network.numbers import fmt

__all__ = ["Witness", "detect", "stability_facts", "domain_json"]

NAMES = {1: "zero outgoing column", 2: "stably unactivated neuron", 3: "stably activated neuron",
         4: "zero incoming weights", 5: "proportional rows", 6: "flip set",
         7: "stably active layer", 8: "restricted image (suspect)"}


@dataclass
class Witness:
    """An explicit hidden symmetry: theta' with F_theta' = F_theta and theta' not in G.theta."""
    mechanism: int
    description: str
    params: dict
    theta_prime: Network
    certificate: dict = field(repr=False)

    @property
    def name(self) -> str:
        return NAMES[self.mechanism]

    def to_dict(self) -> dict:
        return {"mechanism": self.mechanism, "name": self.name, "description": self.description,
                "params": self.params}


def domain_json(box):
    return "R^n" if box is None else {"box": [fmt(box[0]), fmt(box[1])]}


def _certificate(net, box, mech, params, theta_prime, stability=None) -> dict:
    ev = {"mechanism": mech, "params": params, "theta_prime": theta_prime.to_dict()}
    if stability is not None:
        ev["stability"] = stability
    return {"format": "exactsym-cert/1", "claim": "hidden-symmetry", "network": net.to_dict(),
            "network_sha256": net.sha256(), "domain": domain_json(box), "evidence": ev}


def _try(net, box, mech, variants, description, stability=None):
    """First params variant whose witness is outside the orbit."""
    for params in variants:
        tp = transform(net, mech, params)
        try:
            outside = tp != net and not same_orbit(net, tp)
        except RuntimeError:        # the orbit test cannot decide: no certificate from this variant
            continue
        if outside:
            return Witness(mech, description, params, tp,
                           _certificate(net, box, mech, params, tp, stability))
    return None


def _unit(n, k=0, scale=1):
    return [fmt(Fraction(scale if i == k else 0)) for i in range(n)]


def stability_facts(net: Network, box=None, regions=None) -> dict:
    """``{(l, j): (sign, evidence)}`` for neurons provably ``sign * z >= 0`` on the domain.

    ``regions``: a complete region enumeration result exposing ``patterns``
    (list of ±1 tuples) and ``evidence`` (its regions-complete evidence).
    """
    facts = {}
    h = 0
    for l in range(1, net.depth):
        W, b = net.layers[l - 1]
        for j in range(net.architecture[l]):
            if not any(W[j]):
                if b[j] >= 0:
                    facts[(l, j)] = (+1, {"kind": "zero-row"})
                if b[j] <= 0 and (l, j) not in facts:
                    facts[(l, j)] = (-1, {"kind": "zero-row"})
            elif l == 1 and box is not None:
                lo, hi = box
                zmax = b[j] + sum((w * hi if w > 0 else w * lo) for w in W[j])
                zmin = b[j] + sum((w * lo if w > 0 else w * hi) for w in W[j])
                if zmax <= 0:
                    facts[(l, j)] = (-1, {"kind": "box-corners"})
                elif zmin >= 0:
                    facts[(l, j)] = (+1, {"kind": "box-corners"})
            if (l, j) not in facts and regions is not None:
                signs = {p[h + j] for p in regions.patterns}
                if len(signs) == 1:
                    facts[(l, j)] = (signs.pop(), {"kind": "regions", "regions": regions.evidence})
        h += net.architecture[l]
    return facts


def detect(net: Network, box=None, regions=None, first_only: bool = False,
           deadline: float | None = None) -> tuple[list, list]:
    """All mechanism witnesses found exactly, and a list of suspects (strings).

    ``box`` is ``None`` (all of R^n0) or ``(lo, hi)`` for the cube ``[lo, hi]^n0``.
    Layer by layer: single neurons (mechanisms 1-4), proportional rows (5), flip
    sets (6), a stably active layer (7); ``first_only`` stops at the first witness.
    """
    found: list[Witness] = []
    suspects: list[str] = []
    facts = stability_facts(net, box, regions)
    for l in range(1, net.depth):
        for finder in (_neuron_witnesses, _proportional_witnesses, _flip_witnesses, _layer_witnesses):
            for w in finder(net, box, l, facts, suspects, deadline):
                if w is not None:
                    found.append(w)
                    if first_only:
                        return found, suspects
    return found, suspects


def _neuron_witnesses(net, box, l, facts, suspects, deadline):
    """Mechanisms 1 (zero outgoing column), 2 and 3 (stably inactive / active), 4 (zero weights)."""
    W, b = net.layers[l - 1]
    Wn = net.layers[l][0]
    n_next, n_prev = net.architecture[l + 1], net.architecture[l - 1]
    for j in range(net.architecture[l]):
        row = list(W[j]) + [b[j]]
        if not any(Wn[i][j] for i in range(n_next)):
            variants = [{"layer": l, "neuron": j, "row": [fmt(v + (1 if k == n_prev else 0)) for k, v in enumerate(row)]},
                        {"layer": l, "neuron": j, "row": [fmt(v + (1 if k == 0 else 0)) for k, v in enumerate(row)]},
                        {"layer": l, "neuron": j, "row": [fmt(-v) for v in row[:-1]] + [fmt(row[-1] - 1)]}]
            yield _try(net, box, 1, variants, f"neuron ({l},{j}) has a zero outgoing column: its incoming row is free")
            continue
        if (l, j) not in facts:
            continue
        sign, ev = facts[(l, j)]
        mech = 4 if not any(W[j]) else (2 if sign < 0 else 3)
        if sign < 0:
            col = [Wn[i][j] for i in range(n_next)]
            variants = [{"layer": l, "neuron": j, "column": [fmt(c + (1 if i == k else 0)) for i, c in enumerate(col)]}
                        for k in range(n_next)]
            desc = f"neuron ({l},{j}) is never active on the domain: its outgoing column is free"
        else:
            variants = [{"layer": l, "neuron": j, "delta": "1"}]
            desc = f"neuron ({l},{j}) is always active on the domain: bias traded with the next layer"
        yield _try(net, box, mech, variants, desc, stability=ev)


def _proportional_witnesses(net, box, l, facts, suspects, deadline):
    """Mechanism 5: rows ``r_j = lambda r_k``; a negative ratio needs cancelling columns."""
    W, b = net.layers[l - 1]
    Wn = net.layers[l][0]
    n_next = net.architecture[l + 1]
    for j in range(net.architecture[l]):
        for k in range(net.architecture[l]):
            rj, rk = list(W[j]) + [b[j]], list(W[k]) + [b[k]]
            if j == k or not any(rk) or not any(rj):
                continue
            piv = next(i for i, v in enumerate(rk) if v)
            lam = rj[piv] / rk[piv]
            if any(x != lam * y for x, y in zip(rj, rk)):
                continue
            if lam > 0:
                # some redistributions only swap the two neurons' roles (an orbit move): try several
                if j < k:
                    yield _try(net, box, 5, [{"layer": l, "j": j, "k": k, "lambda": fmt(lam), "t": _unit(n_next, i, s)}
                                             for s in (1, Fraction(1, 3), -2) for i in range(n_next)],
                               f"rows ({l},{j}) = {fmt(lam)} x row ({l},{k}): outgoing weights can be redistributed")
            elif all(-lam * Wn[i][j] == -Wn[i][k] for i in range(n_next)):
                yield _try(net, box, 5, [{"layer": l, "j": j, "k": k, "lambda": fmt(lam), "delta": "1"}],
                           f"rows ({l},{j}) = {fmt(lam)} x row ({l},{k}) with cancelling columns: the pair is affine")
            elif j < k:
                suspects.append(f"rows ({l},{j}) and ({l},{k}) are negatively proportional (mechanism 5 suspect)")


def _flip_witnesses(net, box, l, facts, suspects, deadline):
    """Mechanism 6: flip sets S with sum_S c_j w_j^T = 0 (bounded exact search)."""
    try:  # wall-clock budget of certify (deadline: time.monotonic() value)
        sets = zero_one_search(flip_matrices(net, l), first_only=False, deadline=deadline)
    except (OverflowError, Deadline) as e:
        sets = []
        suspects.append(f"layer {l}: flip-set search not decided ({e})")
    for S in sets:
        yield _try(net, box, 6, [{"layer": l, "set": S}], f"flip set {S} of layer {l}: sum of c_j w_j^T over S is zero")


def _layer_witnesses(net, box, l, facts, suspects, deadline):
    """Mechanism 7: a whole layer stably active, with one stability proof covering it."""
    if net.architecture[l] < 2 or not all(facts.get((l, j), (0,))[0] == 1 for j in range(net.architecture[l])):
        return
    kinds = {facts[(l, j)][1]["kind"] for j in range(net.architecture[l])}
    ev = facts[(l, 0)][1] if kinds in ({"regions"}, {"box-corners"}) else None
    if ev is not None:
        yield _try(net, box, 7, [{"layer": l, "i": 0, "j": 1, "eps": "1"}, {"layer": l, "i": 1, "j": 0, "eps": "1"}],
                   f"layer {l} is stably active: W_l -> M W_l, W_(l+1) -> W_(l+1) M^-1", stability=ev)
