"""Issue 10, checker items 1-4: forged certificates are rejected, valid ones still pass.

The corpus is every bundled certificate of ``proofs/examples/`` plus a freshly
produced certificate of each claim kind; ``tests/forgery.py`` generates the
forgeries (classes inherit, shape, duplicate, spelling, integer, unknown,
domain). Each item also has a direct test of the attack named in the issue.
"""
import copy
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from exactsym import Network
from exactsym.check import check_certificate, check_json
from exactsym.check.common import CheckFailure, rational, strict_loads
from exactsym.network.generate import random_network
from exactsym.network.numbers import fmt

from conftest import flip_network
from forgery import bundled_certificates, duplicate_texts, mutations, redigest, respellings


def _fresh() -> dict:
    """One freshly produced certificate of each claim kind (well under a second)."""
    from exactsym.arrangement import regions
    from exactsym.rank.decisive import functional_dimension_decisive
    from exactsym.rank.fdim import functional_dimension
    from exactsym.verdict.certify import certify
    from exactsym.verdict.equiv import equivalent
    from exactsym.verdict.mechanisms import detect
    a, b = flip_network()
    g = random_network([2, 3, 1], seed=1)
    box = (Fraction(-1), Fraction(1))
    out = {"fdim>=r": functional_dimension(g, seed=0).certificate,
           "fdim=r": functional_dimension_decisive(g).certificate,
           "regions-complete": regions(g, progress=False).certificate,
           "regions-complete on a box": regions(g, box=box, progress=False).certificate,
           "equivalent": equivalent(a, b).certificate,
           "not-equivalent": equivalent(random_network([1, 3, 1], seed=1),
                                        random_network([1, 3, 1], seed=2)).certificate,
           "hidden-symmetry": detect(a)[0][0].certificate,
           "hidden-symmetry on a box": detect(Network([1, 2, 1], [([[1], [-1]], [3, -2]), ([[1, 1]], [0])]),
                                              box=box)[0][0].certificate}
    bundle = certify(g).certificate             # no-hidden-symmetries + locally-identifiable
    out["bundle"] = bundle
    for sub in bundle["claims"]:
        single = {k: v for k, v in bundle.items() if k != "claims"}
        single.update(sub)
        out[sub["claim"]] = single
    return out


BUNDLED = bundled_certificates()
FRESH = _fresh()
CORPUS = {**{f"examples/{k}": v for k, v in BUNDLED.items()}, **{f"fresh {k}": v for k, v in FRESH.items()}}


def _other(cert):
    """A corpus certificate about another network (the forger's substitute)."""
    return next(c for c in CORPUS.values() if c["network_sha256"] != cert["network_sha256"] and "claim" in c)


def test_corpus_is_valid_and_covers_every_claim():
    kinds = set()
    for name, c in CORPUS.items():
        r = check_certificate(c)
        assert r.valid, (name, r.reason)
        kinds.add(r.claim)
        kinds.update(s["claim"] for s in c.get("claims", []))
    assert kinds >= {"fdim>=r", "fdim=r", "regions-complete", "equivalent", "not-equivalent",
                     "hidden-symmetry", "no-hidden-symmetries", "locally-identifiable", "bundle"}


def test_forged_corpus_rejected_100_percent():
    """Every mutation of classes 1-4 over every certificate of the corpus is INVALID."""
    counts, accepted = {}, []
    for k, (name, cert) in enumerate(CORPUS.items()):
        n0 = cert["network"]["architecture"][0]
        for cls, what, forged in mutations(cert, _other(cert), n0, k):
            counts[cls] = counts.get(cls, 0) + 1
            if check_certificate(forged).valid:
                accepted.append((name, cls, what))
        for cls, what, text in duplicate_texts(cert):
            counts[cls] = counts.get(cls, 0) + 1
            if check_json(text).valid:
                accepted.append((name, cls, what))
        assert check_json(json.dumps(cert)).valid, name      # the unmutated text still passes
    assert not accepted, accepted[:10]
    assert set(counts) == {"inherit", "shape", "duplicate", "spelling", "integer", "unknown", "domain"}
    assert sum(counts.values()) > 2500, counts


# ---- item 1: sub-claims inherit, never override ---------------------------------------

def _shallow_generic():
    return BUNDLED["shallow-generic.cert.json"]


def test_item1_subclaim_cannot_replace_the_network():
    """A bundle about the flip network (which has a hidden symmetry) whose sub-claim brings
    its own network: before the fix the sub-claim's network replaced the top-level one and
    the bundle certified no-hidden-symmetries for the flip network (VALID)."""
    a, _ = flip_network()
    g = _shallow_generic()
    nhs = next(s for s in g["claims"] if s["claim"] == "no-hidden-symmetries")
    forged = {"format": "exactsym-cert/1", "network": a.to_dict(), "network_sha256": a.sha256(), "domain": "R^n",
              "claims": [dict(nhs, network=g["network"], network_sha256=g["network_sha256"])]}
    r = check_certificate(forged)
    assert not r.valid and "claims[0] carries 'network'" in r.reason
    # two contradictory claims about one network
    hs = BUNDLED["flip.cert.json"]
    forged["claims"].insert(0, {"claim": "hidden-symmetry", "evidence": hs["evidence"]})
    assert not check_certificate(forged).valid


@pytest.mark.parametrize("key", ["format", "network", "network_sha256", "domain", "provenance"])
def test_item1_subclaim_may_not_carry_an_inherited_key(key):
    g = copy.deepcopy(_shallow_generic())
    g["claims"][0][key] = g.get(key, {"rounded_to_denominator": None})        # even an equal value
    r = check_certificate(g)
    assert not r.valid and f"carries {key!r}" in r.reason


# ---- item 2: exactly one shape --------------------------------------------------------

def test_item2_bundle_with_top_level_claim_rejected():
    """Before the fix, 'claim'/'evidence' next to 'claims' were ignored: VALID."""
    g = copy.deepcopy(_shallow_generic())
    g["claim"], g["evidence"] = "hidden-symmetry", {"mechanism": "garbage"}
    r = check_certificate(g)
    assert not r.valid and "either 'claim' and 'evidence' or 'claims'" in r.reason
    g = copy.deepcopy(_shallow_generic())
    g["evidence"] = {}
    assert not check_certificate(g).valid
    single = copy.deepcopy(BUNDLED["flip.cert.json"])
    single["claims"] = [{"claim": "hidden-symmetry", "evidence": single["evidence"]}]
    assert not check_certificate(single).valid


# ---- item 3: duplicate keys -----------------------------------------------------------

def test_item3_duplicate_keys_rejected(tmp_path, run_cli):
    """Before the fix json.loads kept the last duplicate: a reader that takes the first
    sees a box domain, the checker verified R^n (VALID)."""
    cert = BUNDLED["flip.cert.json"]
    text = json.dumps(cert)
    forged = text.replace('"domain": "R^n"', '"domain": {"box": ["-1", "1"]}, "domain": "R^n"')
    assert forged != text
    r = check_json(forged)
    assert not r.valid and "duplicate key 'domain'" in r.reason
    f = tmp_path / "dup.json"
    f.write_text(forged)
    code, out, _ = run_cli("check", f)
    assert code == 1 and out.startswith("INVALID") and "duplicate key" in out
    for const in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError):
            strict_loads('{"a": %s}' % const)


# ---- item 4: strict syntax ------------------------------------------------------------

def test_item4_network_entry_respelled_keeps_the_hash_but_is_rejected():
    """'2/2' parses to 1, so the SHA-256 (of the canonical form) still matched: VALID before."""
    c = copy.deepcopy(BUNDLED["flip.cert.json"])
    assert c["network"]["layers"][0]["W"][0] == ["1"]
    for alt in ("2/2", "1.0", "+1", "01", "١", " 1", "1e0", 1):
        c["network"]["layers"][0]["W"][0] = [alt]
        r = check_certificate(c)
        assert not r.valid and "network.layers[0].W[0][0]" in r.reason, alt


def test_item4_integers_are_json_integers():
    c = copy.deepcopy(BUNDLED["mechanism-1.cert.json"])
    assert c["evidence"]["params"]["neuron"] == 1
    for alt in (True, 1.0, "1"):
        c["evidence"]["params"]["neuron"] = alt
        assert not check_certificate(c).valid, alt
    c = copy.deepcopy(FRESH["fdim>=r"])
    c["evidence"]["labels"][0][0] = float(c["evidence"]["labels"][0][0])
    assert not check_certificate(c).valid


def test_item4_unknown_keys_and_missing_domain_rejected():
    c = copy.deepcopy(BUNDLED["flip.cert.json"])
    c["evidence"]["params"]["note"] = "x"
    assert "must have exactly the keys" in check_certificate(c).reason
    c = copy.deepcopy(BUNDLED["flip.cert.json"])
    del c["domain"]                    # before the fix mechanism 6 never read the domain: VALID
    r = check_certificate(c)
    assert not r.valid and "domain" in r.reason
    c = copy.deepcopy(BUNDLED["mechanism-1.cert.json"])
    c["evidence"]["stability"] = {"kind": "zero-row"}     # mechanism 1 needs no stability
    assert not check_certificate(c).valid


RATIONALS = st.fractions(max_denominator=10**6).filter(lambda q: abs(q.numerator) < 10**12)


@settings(max_examples=200, deadline=None)
@given(RATIONALS, st.data())
def test_item4_noncanonical_spellings_rejected(q, data):
    s = fmt(q)
    assert rational(s, "x") == q
    alt = data.draw(st.sampled_from(respellings(s)))
    with pytest.raises(CheckFailure):
        rational(alt, "x")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-+/. e٣", max_size=8))
def test_item4_every_accepted_string_is_canonical(s):
    try:
        q = rational(s, "x")
    except CheckFailure:
        return
    assert fmt(q) == s


def test_item4_digest_recomputed_does_not_launder_syntax():
    """The regions digest binds the evidence, but a forger can recompute it: strictness,
    not the digest, must reject an empty face-multiplier list or a respelled point."""
    c = copy.deepcopy(FRESH["regions-complete on a box"])
    assert check_certificate(redigest(copy.deepcopy(c))).valid
    ent = next(e for e in c["evidence"]["facets"] if "farkas" in e[2])
    ent[2]["farkas"]["box"] = []
    r = check_certificate(redigest(c))
    assert not r.valid and "omit it when empty" in r.reason
    c = copy.deepcopy(FRESH["regions-complete"])
    c["evidence"]["regions"][0]["point"][0] = "+" + c["evidence"]["regions"][0]["point"][0].lstrip("+")
    r = check_certificate(redigest(c))
    assert not r.valid and "canonical" in r.reason
