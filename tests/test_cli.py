"""CLI: info, random, canon with and without --json; torch loading (issue 2)."""
import json
import os
import subprocess
import sys

import pytest

from exactsym import load_network, random_network, same_orbit
from conftest import EXAMPLES


def test_info(run_cli):
    code, out, _ = run_cli("info", os.path.join(EXAMPLES, "flip.json"))
    assert code == 0 and "D = 7" in out and "H = 2" in out and "D - H = 5" in out
    code, out, _ = run_cli("info", os.path.join(EXAMPLES, "flip.json"), "--json")
    obj = json.loads(out)
    assert (obj["D"], obj["H"], obj["bound"], obj["architecture"]) == (7, 2, 5, [1, 2, 1])


def test_random_is_seeded(run_cli, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run_cli("random", "3,4,2", "--seed", 9, "-o", a)[0] == 0
    code, out, _ = run_cli("random", "3,4,2", "--seed", 9, "-o", b, "--json")
    assert code == 0 and json.loads(out)["D"] == 3 * 4 + 4 + 4 * 2 + 2
    assert a.read_bytes() == b.read_bytes()
    net = load_network(a)
    assert net == random_network([3, 4, 2], seed=9)
    assert all(v.denominator in (1, 2, 4, 8, 16, 32, 64, 128, 256) for v in net.flat())
    code, out, _ = run_cli("random", "2,2,1", "--init", "int:2", "--seed", 1)
    ints = load_network_from_text(out, tmp_path)
    assert all(v.denominator == 1 and abs(v) <= 2 for v in ints.flat())


def load_network_from_text(text, tmp_path):
    p = tmp_path / "x.json"
    p.write_text(text)
    return load_network(p)


def test_canon(run_cli, tmp_path):
    out_file = tmp_path / "c.json"
    src = os.path.join(EXAMPLES, "small.json")
    code, out, _ = run_cli("canon", src, "-o", out_file)
    assert code == 0 and "canonical sha256" in out
    c = load_network(out_file)
    assert same_orbit(c, load_network(src))
    code, out, _ = run_cli("canon", src, "--json")
    obj = json.loads(out)
    assert obj["exact"] is True and obj["canonical_sha256"] == c.sha256()


def test_every_subcommand_is_implemented():
    """No subcommand falls back to the 'not implemented yet' placeholder (exit 3)."""
    from exactsym.cli import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    names = set(sub.choices)
    assert names >= {"info", "random", "canon", "fdim", "regions", "certify", "equiv", "check",
                     "sweep", "reproduce", "construct"}
    for name, parser in sub.choices.items():
        func = parser.get_default("func")
        assert func.__name__ != "run" or func.__qualname__.split(".")[0] != "_not_yet", name


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "exactsym", "info", os.path.join(EXAMPLES, "flip.json"), "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["D"] == 7


def test_torch_round_trip(tmp_path):
    torch = pytest.importorskip("torch")
    net = random_network([2, 4, 3, 1], seed=3)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3),
                              torch.nn.ReLU(), torch.nn.Linear(3, 1)).double()
    with torch.no_grad():
        for lin, (W, b) in zip([seq[0], seq[2], seq[4]], net.layers):
            lin.weight.copy_(torch.tensor([[float(v) for v in r] for r in W]))
            lin.bias.copy_(torch.tensor([float(v) for v in b]))
    p = tmp_path / "m.pt"
    torch.save(seq.state_dict(), p)
    assert load_network(p) == net
    p2 = tmp_path / "full.pt"
    torch.save(seq, p2)  # a whole nn.Sequential loads through the allowlist
    assert load_network(p2) == net
    # anything else pickled is refused without being unpickled
    p3 = tmp_path / "evil.pt"
    torch.save({"w": __import__("fractions").Fraction(1, 3)}, p3)
    from exactsym.network.io import InputError
    with pytest.raises(InputError, match="fractions.Fraction, which exactsym does not load"):
        load_network(p3)
    p4 = tmp_path / "seq2.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)), p4)
    with pytest.raises(InputError):
        load_network(p4)


def test_core_extension():
    from exactsym.rank import _core
    assert _core.is_prime(2**61 - 1) and not _core.is_prime(2**61 + 1)
    assert _core.residue(1, 3, 7) == 5
    from exactsym.check.shared.exact import is_prime
    for n in range(2, 2000):
        assert _core.is_prime(n) == is_prime(n)


def test_every_subpackage_is_packaged():
    """A non-editable install ships only the packages pyproject.toml lists."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    listed = set(re.search(r'^packages = \[(.*)\]', (root / "pyproject.toml").read_text(), re.M)
                 .group(1).replace('"', "").replace(" ", "").split(","))
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "exactsym").rglob("__init__.py")}
    assert found == listed
