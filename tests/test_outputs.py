"""Issue 10 items 9 and 10: --denominator recorded in every output; output paths validated
before any work, never an input, ordinary permissions."""
import json
import os
import shutil
import stat

import pytest

from badinput import assert_bad
from conftest import EXAMPLES

FLIP = os.path.join(EXAMPLES, "flip.json")
SMALL = os.path.join(EXAMPLES, "small.json")


@pytest.fixture
def work(tmp_path):
    """A folder with two input networks, a point set and a sweep CSV."""
    shutil.copy(FLIP, tmp_path / "net.json")
    shutil.copy(os.path.join(EXAMPLES, "flip_twin.json"), tmp_path / "twin.json")
    (tmp_path / "pts.csv").write_text("1/3\n-2/5\n7/2\n-9/4\n5\n")
    (tmp_path / "sweep.csv").write_text("n0,width\n")
    (tmp_path / "sub").mkdir()
    return tmp_path


# ---- item 10: output paths -----------------------------------------------------------

#: (subcommand argv with {out} for the output under test, the flag, the inputs in argv)
OUTPUTS = [
    (["canon", "{net}", "-o", "{out}"], "-o"),
    (["random", "2,3,1", "-o", "{out}"], "-o"),
    (["certify", "{net}", "--cert", "{out}"], "--cert"),
    (["equiv", "{net}", "{twin}", "--cert", "{out}"], "--cert"),
    (["fdim", "{net}", "--points", "{pts}", "--cert", "{out}"], "--cert"),
    (["regions", "{net}", "--cert", "{out}"], "--cert"),
    (["regions", "{net}", "--graph", "{out}"], "--graph"),
    (["regions", "{net}", "--plot", "{out}"], "--plot"),
    (["sweep", "--n0", "1", "--widths", "2", "--depths", "1", "--trials", "1", "-o", "{out}"], "-o"),
    (["sweep", "--n0", "1", "--widths", "2", "--depths", "1", "--trials", "1", "-o", "{sub}/s.csv",
      "--plot", "{out}"], "--plot"),
]


def _fill(argv, work, out):
    names = {"net": work / "net.json", "twin": work / "twin.json", "pts": work / "pts.csv",
             "sub": work / "sub", "out": out}
    return [a.format(**names) for a in argv]


def _bad_outputs(work):
    """(label, output path, words the message must contain) for every way an output can be bad."""
    net = work / "net.json"
    return [
        ("is_input", str(net), ["input"]),
        ("is_input_other_spelling", str(work / "sub" / ".." / "net.json"), ["input"]),
        ("is_directory", str(work / "sub"), ["directory"]),
        ("missing_directory", str(work / "nope" / "o.json"), ["does not exist"]),
        ("parent_is_file", str(net / "o.json"), ["not a directory"]),
    ]


@pytest.mark.parametrize("case", range(5))
@pytest.mark.parametrize("argv, flag", OUTPUTS, ids=lambda v: "-".join(v[:1] + v[-2:-1]) if isinstance(v, list) else v)
def test_item10_bad_output_path_exits_2_before_work(work, run_cli, argv, flag, case):
    label, out, words = _bad_outputs(work)[case]
    if label.startswith("is_input") and "{net}" not in argv and "{twin}" not in argv and "--plot" not in argv:
        pytest.skip("no input file to collide with")
    name = out if "other" not in label else "net.json"
    if label.startswith("is_input") and argv[0] == "sweep":
        out = name = str(work / "sub" / "s.csv")  # --plot equal to the sweep's own -o CSV
        words = ["also the output"]
    assert_bad(run_cli, work, _fill(argv, work, out), [flag, name], words)


def test_item10_output_equal_to_points_input(work, run_cli):
    pts = str(work / "pts.csv")
    assert_bad(run_cli, work, ["fdim", str(work / "net.json"), "--points", pts, "--cert", pts],
               ["--cert", pts], ["input"])


def test_item10_output_through_symlink_to_input(work, run_cli):
    link = work / "sub" / "alias.json"
    os.symlink(work / "net.json", link)
    assert_bad(run_cli, work, ["certify", str(work / "net.json"), "--cert", str(link)], [str(link)], ["input"])


@pytest.mark.parametrize("a, b", [("--cert", "--graph"), ("--cert", "--plot"), ("--graph", "--plot")])
def test_item10_two_outputs_equal(work, run_cli, a, b):
    out = str(work / "o.json")
    assert_bad(run_cli, work, ["regions", str(work / "net.json"), a, out, b, out], [out], ["also the output"])


def test_item10_graph_sidecar_checked(work, run_cli):
    """--graph G.graphml also writes G.neurons.graphml: that one may not be an input either."""
    shutil.copy(work / "net.json", work / "g.neurons.graphml")
    assert_bad(run_cli, work, ["regions", str(work / "g.neurons.graphml"), "--graph", str(work / "g.graphml")],
               ["g.neurons.graphml"], ["input"])


@pytest.mark.parametrize("argv, words", [
    (["reproduce", "{csv}", "-o", "{csv}"], ["not a directory"]),
    (["reproduce", "{csv}", "-o", "{net}/figs"], ["not a directory"]),
    (["reproduce", "{csv}", "--prefix", "../evil"], ["--prefix"]),
    (["reproduce", "{csv}", "--prefix", "a/b"], ["--prefix"]),
    (["reproduce", "{csv}", "--prefix", ""], ["--prefix"]),
    (["construct", "--only", "--arch", "1,2,1", "-o", "{net}"], ["not a directory"]),
])
def test_item10_item16_output_folders_and_prefix(work, run_cli, argv, words):
    argv = [a.format(csv=work / "sweep.csv", net=work / "net.json") for a in argv]
    assert_bad(run_cli, work, argv, [], words)


def test_item10_reproduce_output_may_not_be_its_input(work, run_cli):
    """reproduce writes PREFIX_float_disagreements.csv: a CSV input of that name is refused."""
    src = work / "sub" / "fdim_float_disagreements.csv"
    shutil.copy(work / "sweep.csv", src)
    assert_bad(run_cli, work, ["reproduce", str(src), "-o", str(work / "sub")], [str(src)], ["input"])


@pytest.mark.parametrize("umask, want", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_item10_created_files_respect_umask(tmp_path, run_cli, umask, want):
    old = os.umask(umask)
    try:
        for argv in (["random", "2,3,1", "-o", tmp_path / "r.json"],
                     ["random", "2,3,1", "-o", tmp_path / "r.npz"],
                     ["certify", FLIP, "--cert", tmp_path / "c.json"],
                     ["fdim", FLIP, "--cert", tmp_path / "f.json"],
                     ["regions", FLIP, "--cert", tmp_path / "g.json", "--graph", tmp_path / "gr.json"]):
            # certify on the flip example refutes: a hidden symmetry exits 1 (docs/output.md)
            assert run_cli(*argv, "--quiet")[0] == (1 if argv[0] == "certify" else 0)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {n: want for n in ("r.json", "r.npz", "c.json", "f.json", "g.json", "gr.json")}


def test_item10_overwritten_output_keeps_its_mode(tmp_path, run_cli):
    out = tmp_path / "c.json"
    out.write_text("old")
    out.chmod(0o640)
    assert run_cli("certify", FLIP, "--cert", out, "--quiet")[0] == 1     # hidden symmetry: exit 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and json.loads(out.read_text())["format"] == "exactsym-cert/1"
    assert sorted(os.listdir(tmp_path)) == ["c.json"]  # no temporary file left


# ---- item 9: --denominator is recorded everywhere ------------------------------------

def _near_zero_column(tmp_path):
    """(2,2,1) with outgoing weight 1/1000 on neuron 2: rounding to 1/4 zeroes that column,
    which is a hidden symmetry (mechanism 1) of the rounded network only."""
    obj = {"format": "exactsym-net/1", "architecture": [2, 2, 1],
           "layers": [{"W": [["1", "2"], ["3", "-1"]], "b": ["1/2", "-1"]}, {"W": [["2", "1/1000"]], "b": ["0"]}]}
    p = tmp_path / "n.json"
    p.write_text(json.dumps(obj))
    return p


@pytest.mark.parametrize("cmd", ["info", "canon", "certify", "fdim", "regions", "equiv"])
@pytest.mark.parametrize("den", [None, 4])
def test_item9_json_records_rounding(tmp_path, run_cli, cmd, den):
    net = _near_zero_column(tmp_path)
    argv = [cmd, net] + ([net] if cmd == "equiv" else []) + (["--denominator", den] if den else [])
    code, out, err = run_cli(*argv, "--json", "--quiet")
    ok = 1 if (cmd == "certify" and den) else 0     # rounded: a hidden symmetry of the rounded network
    assert code == ok, err
    assert json.loads(out)["rounded_to_denominator"] == den
    code, out, err = run_cli(*argv, "--quiet")
    assert code == ok and err == ""
    said = [l for l in out.splitlines() if "rounded to a multiple of 1/4" in l]
    assert len(said) == (1 if den else 0), out


@pytest.mark.parametrize("cmd", ["certify", "fdim", "regions", "equiv"])
@pytest.mark.parametrize("den", [None, 4])
def test_item9_certificate_provenance(tmp_path, run_cli, cmd, den):
    from exactsym.check import check_certificate
    net = _near_zero_column(tmp_path)
    cert = tmp_path / "c.json"
    argv = [cmd, net] + ([net] if cmd == "equiv" else []) + ["--cert", cert, "--quiet"]
    assert run_cli(*argv + (["--denominator", den] if den else []))[0] == (1 if cmd == "certify" and den else 0)
    obj = json.loads(cert.read_text())
    assert obj["provenance"] == {"rounded_to_denominator": den}
    assert check_certificate(obj).valid


def test_item9_rounded_verdict_is_marked(tmp_path, run_cli):
    """The rounded network has a hidden symmetry the file's network lacks: every output says so."""
    net = _near_zero_column(tmp_path)
    code, out, _ = run_cli("certify", net, "--denominator", 4, "--json", "--quiet")
    obj = json.loads(out)
    assert obj["verdict"] == "hidden-symmetry" and obj["rounded_to_denominator"] == 4
    code, out, _ = run_cli("certify", net, "--json", "--quiet")
    assert json.loads(out)["verdict"] != "hidden-symmetry"
