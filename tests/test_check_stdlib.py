"""The trusted checker imports nothing but the standard library and the network parser."""
import json
import subprocess
import sys
import textwrap

from exactsym.verdict.equiv import equivalent
from exactsym.verdict.mechanisms import detect
from conftest import flip_network

BLOCKER = textwrap.dedent("""
    import sys, json
    class Block:
        BLOCKED = ("numpy", "scipy", "flint", "networkx", "sympy", "matplotlib", "torch", "cupy",
                   "exactsym.arrangement", "exactsym.rank", "exactsym.verdict", "exactsym.experiments",
                   "exactsym.cli", "exactsym.plot")
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in self.BLOCKED):
                raise ImportError("blocked in the trusted checker: " + name)
            return None
    sys.meta_path.insert(0, Block())
    from exactsym.check import check_certificate
    certs = json.load(sys.stdin)
    print(json.dumps([check_certificate(c).valid for c in certs]))
    bad = [m for m in sys.modules if m.split(".")[0] in ("numpy", "scipy", "flint", "networkx", "sympy")]
    assert not bad, bad
""")


def test_checker_runs_without_fast_path():
    a, b = flip_network()
    certs = [detect(a)[0][0].certificate, equivalent(a, b).certificate]
    try:
        from exactsym.rank.fdim import functional_dimension
        certs.append(functional_dimension(a, seed=0).certificate)
    except ImportError:
        pass
    from pathlib import Path          # every bundled certificate too, bundles included
    ex = Path(__file__).resolve().parent.parent / "proofs" / "examples"
    certs += [json.loads(p.read_text()) for p in sorted(ex.glob("*.cert.json"))]
    r = subprocess.run([sys.executable, "-c", BLOCKER], input=json.dumps(certs), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [True] * len(certs)


def test_checker_progress_hook_reports_long_checks():
    from exactsym import random_network
    from exactsym.check import check_certificate, set_progress
    from exactsym.rank.fdim import functional_dimension
    cert = functional_dimension(random_network([3, 10, 10, 1], seed=1), seed=0).certificate
    lines = []
    set_progress(lines.append)
    try:
        assert check_certificate(cert).valid
    finally:
        set_progress(None)
    assert lines and lines[-1].startswith("exact Jacobian rows (points): ") and lines[-1].endswith(
        "/" + lines[-1].split("/")[-1])
    assert check_certificate(cert).valid        # and silent again
