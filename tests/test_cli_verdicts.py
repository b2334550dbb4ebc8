"""CLI: certify, equiv and check (issue 5)."""
import json
import os

from conftest import EXAMPLES

FLIP = os.path.join(EXAMPLES, "flip.json")
TWIN = os.path.join(EXAMPLES, "flip_twin.json")


def test_certify_flip_hidden_symmetry(run_cli, tmp_path):
    cert = tmp_path / "c.json"
    code, out, _ = run_cli("certify", FLIP, "--cert", cert, "--json")
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "hidden-symmetry"         # refuted: exit 1
    assert obj["mechanisms"][0]["mechanism"] == 6 and obj["bound"] == 5
    code, out, _ = run_cli("check", cert, "--json")
    sha = json.loads(cert.read_text())["network_sha256"]
    got = json.loads(out)
    assert code == 0 and {k: got[k] for k in ("valid", "claim", "file", "network_sha256")} == {
        "valid": True, "claim": "hidden-symmetry", "file": str(cert), "network_sha256": sha}
    assert got["schema"] == "exactsym-output/1" and got["command"] == "check" and got["exit_code"] == 0
    code, out, _ = run_cli("certify", FLIP)
    assert code == 1 and out.startswith("verdict      hidden-symmetry") and "proven" in out


def test_equiv_cli(run_cli, tmp_path):
    cert = tmp_path / "e.json"
    code, out, _ = run_cli("equiv", FLIP, TWIN, "--json", "--cert", cert)
    obj = json.loads(out)
    assert code == 0 and obj["equivalent"] is True and obj["same_orbit"] is False
    assert run_cli("check", cert)[0] == 0
    other = tmp_path / "o.json"
    assert run_cli("random", "1,2,1", "--seed", 5, "-o", other)[0] == 0
    code, out, _ = run_cli("equiv", FLIP, other, "--json")
    obj = json.loads(out)
    assert obj["equivalent"] is False and len(obj["point"]) == 1 and len(obj["values"]) == 2
    code, out, _ = run_cli("equiv", FLIP, other)
    assert "not equivalent" in out and "F1 there" in out


def test_check_rejects_tampered_file(run_cli, tmp_path):
    cert = tmp_path / "c.json"
    run_cli("certify", FLIP, "--cert", cert)
    obj = json.loads(cert.read_text())
    obj["evidence"]["params"]["set"] = [0]
    cert.write_text(json.dumps(obj))
    code, out, _ = run_cli("check", cert)
    assert code == 1 and out.startswith("INVALID")
    cert.write_text("{not json")
    code, out, err = run_cli("check", cert, "--json")
    assert code == 2 and str(cert) in json.loads(out)["error"]


def test_box_argument_errors(run_cli):
    for box in ("1", "2,1", "a,b"):
        code, _, err = run_cli("certify", FLIP, "--box", box)
        assert code == 2 and "--box" in err


def test_negative_box_bound(run_cli):
    code, out, _ = run_cli("certify", FLIP, "--box", "-1,1", "--json")
    assert code == 1 and json.loads(out)["verdict"] == "hidden-symmetry"
    code, out, _ = run_cli("regions", FLIP, "--box", "-1/2,3", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["complete"] is True and obj["count"] >= 2
