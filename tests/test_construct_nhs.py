"""Theorem examples for two hidden layers (issue 14, item 7)."""
import json

from exactsym.check import check_certificate
from exactsym.experiments.construct_nhs import construct_no_hidden, depth3_grid


def test_depth3_grid_is_the_papers_hypothesis():
    g = depth3_grid()
    assert all(len(a) == 4 and a[1] >= a[0] and a[1] == a[2] for a in g)
    assert [2, 2, 2, 1] in g and [4, 6, 6, 2] in g and len(g) == 2 * (5 + 4 + 3)


def test_construct_finds_a_checked_no_hidden_symmetries_setting():
    r = construct_no_hidden([3, 4, 4, 1], n_seeds=3)
    assert r.certified and r.tried >= 1
    c = check_certificate(r.certificate)
    assert c.valid and "no-hidden-symmetries" in c.reason
    nhs = [x for x in r.certificate["claims"] if x["claim"] == "no-hidden-symmetries"]
    assert nhs and nhs[0]["evidence"]["criterion"] == "two-hidden-layer"


def test_cli_depth3_writes_certificates_and_says_what_failed(run_cli, tmp_path):
    code, out, _ = run_cli("construct", "--depth", "3", "--only", "--arch", "3,4,4,1", "--seeds", "2",
                           "-o", tmp_path, "--json")
    obj = json.loads(out)
    assert code == 0 and obj["certified"] == 1 and obj["exit_code"] == 0
    cert = json.loads((tmp_path / "depth3" / "3-4-4-1.json").read_text())
    assert check_certificate(cert).valid
    code, out, _ = run_cli("construct", "--depth", "3", "--only", "--arch", "2,3,1", "-o", tmp_path)
    assert code == 2
