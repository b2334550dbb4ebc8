"""Issue 10 items 12, 13 and 16: JSON object rows, float-overflowing entries, bounded .npz and
point sets, architecture parsing and other sharp edges. Every bad input: exit 2, one line naming
the file, nothing touched."""
import io
import json
import os
import zipfile
from fractions import Fraction

import numpy as np
import pytest

from badinput import assert_bad
from conftest import EXAMPLES

SMALL = os.path.join(EXAMPLES, "small.json")


def net_obj(first="1", bias="0", row0=None):
    W = [[first, "2"], ["3", "-4"], ["5", "6"]] if row0 is None else [row0, ["3", "-4"], ["5", "6"]]
    return {"format": "exactsym-net/1", "architecture": [2, 3, 1],
            "layers": [{"W": W, "b": [bias, "1", "-1"]}, {"W": [["1", "-1", "2"]], "b": ["0"]}]}


def write(tmp_path, obj, name="net.json"):
    p = tmp_path / name
    p.write_text(json.dumps(obj))
    return p


# ---- item 12: JSON object rows and float overflow ------------------------------------

@pytest.mark.parametrize("cmd", ["info", "canon", "certify", "fdim", "regions"])
@pytest.mark.parametrize("where", ["row", "W", "b"])
def test_item12_json_object_row_is_an_error(tmp_path, run_cli, cmd, where):
    obj = net_obj()
    if where == "row":
        obj["layers"][0]["W"][0] = {"1": 0, "2": 0}      # used to load as the keys "1", "2"
    elif where == "W":
        obj["layers"][0]["W"] = {"a": ["1", "2"], "b": ["3", "4"], "c": ["5", "6"]}
    else:
        obj["layers"][0]["b"] = {"0": 1, "1": 2, "2": 3}
    p = write(tmp_path, obj)
    assert_bad(run_cli, tmp_path, [cmd, p], [str(p)], ["layer 1"])


HUGE = {
    "1e400": "1e400",
    "8000_digit_decimal": "0." + "3" * 3990,          # an exact decimal, denominator 10^3990
    "denominator_past_1e308": "1/" + "7" * 400,
    "numerator_past_1e308": "7" * 400,
}


@pytest.mark.parametrize("name", sorted(HUGE))
@pytest.mark.parametrize("slot", ["W", "b"])
@pytest.mark.parametrize("cmd", ["certify", "fdim", "regions", "equiv"])
def test_item12_float_overflow_refused_by_float_commands(tmp_path, run_cli, name, slot, cmd):
    obj = net_obj(first=HUGE[name]) if slot == "W" else net_obj(bias=HUGE[name])
    p = write(tmp_path, obj)
    argv = [cmd, p] + ([SMALL] if cmd == "equiv" else [])
    assert_bad(run_cli, tmp_path, argv, [str(p)], ["too large for the float proposals"])


@pytest.mark.parametrize("name", sorted(HUGE))
def test_item12_exact_commands_keep_huge_entries(tmp_path, run_cli, name):
    p = write(tmp_path, net_obj(first=HUGE[name]))
    code, out, err = run_cli("info", p, "--json")
    assert code == 0 and json.loads(out)["D"] == 13
    code, out, err = run_cli("canon", p, "--json")
    assert code == 0, err
    from exactsym import Network, load_network, same_orbit
    assert same_orbit(Network.from_dict(json.loads(out)["canonical"]), load_network(p))


def test_item12_layer_lcm_overflow(tmp_path, run_cli):
    """Each entry is float safe but the layer's common denominator (used by the float forms) is not."""
    primes = [2**521 - 1, 2**607 - 1]
    p = write(tmp_path, net_obj(first=f"1/{primes[0]}", bias=f"1/{primes[1]}"))
    assert_bad(run_cli, tmp_path, ["regions", p], [str(p)], ["layer 1", "float proposals"])


@pytest.mark.parametrize("coord", ["1e400", "1/" + "7" * 400, "-" + "9" * 350])
def test_item12_points_overflow(tmp_path, run_cli, coord):
    pts = tmp_path / "pts.csv"
    pts.write_text(f"{coord},1\n1,2\n3,4\n")
    assert_bad(run_cli, tmp_path, ["fdim", SMALL, "--points", pts], [str(pts)], ["point 0"])


@pytest.mark.parametrize("cmd", ["regions", "certify", "equiv"])
@pytest.mark.parametrize("box", ["0,1e400", "-1e400,0", "0,1/" + "7" * 400])
def test_item12_box_overflow(tmp_path, run_cli, cmd, box):
    argv = [cmd, SMALL] + ([SMALL] if cmd == "equiv" else []) + ["--box", box]
    assert_bad(run_cli, tmp_path, argv, ["--box"], ["float proposals"])


def test_item12_large_but_float_safe_entries_still_work(tmp_path, run_cli):
    p = write(tmp_path, net_obj(first="1e250", bias="1/" + "3" * 40))
    for cmd in ("fdim", "regions", "certify"):
        code, out, err = run_cli(cmd, p, "--json", "--quiet")
        assert code == 0 and "Traceback" not in err, err


# ---- item 13: bounded .npz and point sets --------------------------------------------

def npy_bytes(shape, dtype="<f8", data=b""):
    """An .npy member with a header saying ``shape`` followed by ``data`` (possibly forged)."""
    from numpy.lib import format as npf
    buf = io.BytesIO()
    npf.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def write_npz(path, members, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compress) as z:
        for name, raw in members.items():
            z.writestr(name, raw)


GOOD = {"W0.npy": npy_bytes((3, 2), data=np.ones((3, 2)).tobytes()),
        "b0.npy": npy_bytes((3,), data=np.ones(3).tobytes()),
        "W1.npy": npy_bytes((1, 3), data=np.ones((1, 3)).tobytes()),
        "b1.npy": npy_bytes((1,), data=np.ones(1).tobytes())}


def _forged(**over):
    m = dict(GOOD)
    m.update(over)
    return m


NPZ_CASES = {
    "forged_huge_shape": (_forged(**{"W0.npy": npy_bytes((10**6, 10**6), data=np.ones(6).tobytes())}),
                          "header says shape"),
    "forged_small_shape": (_forged(**{"b0.npy": npy_bytes((2,), data=np.ones(3).tobytes())}), "header says shape"),
    "object_dtype": (_forged(**{"b0.npy": npy_bytes((3,), dtype="|O", data=b"\0" * 24)}), "not a plain numeric"),
    "three_dims": (_forged(**{"b0.npy": npy_bytes((3, 1, 1), data=np.ones(3).tobytes())}), "vector or a matrix"),
    "not_npy": (_forged(**{"W0.npy": b"hello"}), "bad .npy header"),
    "nested_member": (_forged(**{"x/W9.npy": GOOD["b1.npy"]}), "not a top-level"),
    "extra_member": (_forged(**{"notes.txt": b"hi"}), "not a top-level"),
    "newline_in_member_name": (_forged(**{"W\n0.npy": b"xx"}), "member W\\n0.npy"),
}


@pytest.mark.parametrize("name", sorted(NPZ_CASES))
def test_item13_npz_forgeries(tmp_path, run_cli, name):
    members, words = NPZ_CASES[name]
    p = tmp_path / "n.npz"
    write_npz(p, members)
    assert_bad(run_cli, tmp_path, ["info", p], [str(p)], [words])


def test_item13_good_hand_written_npz_loads(tmp_path):
    from exactsym import load_network
    p = tmp_path / "n.npz"
    write_npz(p, GOOD, zipfile.ZIP_DEFLATED)
    net = load_network(p)
    assert net.architecture == (2, 3, 1) and set(net.flat()) == {1}


def test_item13_npz_bomb_refused_before_inflating(tmp_path, run_cli):
    """A small file that declares more than MAX_NPZ_BYTES once inflated is refused from its directory."""
    from exactsym.network.npzfile import MAX_NPZ_BYTES
    n = MAX_NPZ_BYTES // 8 + 1
    p = tmp_path / "bomb.npz"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("W0.npy", "w", force_zip64=True) as f:
            f.write(npy_bytes((n, 1)))
            zero = bytes(1 << 20)
            for _ in range(n * 8 // len(zero)):
                f.write(zero)
            f.write(bytes(n * 8 % len(zero)))
        z.writestr("b0.npy", npy_bytes((n,), data=b""))
    assert os.path.getsize(p) < MAX_NPZ_BYTES // 100
    line = assert_bad(run_cli, tmp_path, ["info", p], [str(p)], [str(MAX_NPZ_BYTES)])
    assert "MAX_NPZ_BYTES" in line


def test_item13_point_count_cap(tmp_path, run_cli):
    from exactsym.network.io import MAX_POINTS
    pts = tmp_path / "many.csv"
    pts.write_text("1,2\n" * (MAX_POINTS + 1))
    assert_bad(run_cli, tmp_path, ["fdim", SMALL, "--points", pts], [str(pts)], [str(MAX_POINTS)])
    js = tmp_path / "many.json"
    js.write_text(json.dumps({"format": "exactsym-points/1", "points": [["1", "2"]] * (MAX_POINTS + 1)}))
    assert_bad(run_cli, tmp_path, ["fdim", SMALL, "--points", js], [str(js)], [str(MAX_POINTS)])


# ---- item 16: architectures, seeds, inits, canon -o .npz, README ---------------------

@pytest.mark.parametrize("argv, words", [
    (["2,-3,1"], ["-3"]),
    (["2,3,-1"], ["-1"]),
    (["2,0,1"], ["width 0"]),
    (["2,,1"], ["width ''"]),
    (["2,3x,1"], ["3x"]),
    (["2,3.0,1"], ["3.0"]),
    (["2, +3,1"], ["+3"]),
    (["2,３,1"], ["３"]),                           # a Unicode digit, which int() accepts
    (["5"], ["at least two"]),
    (["2,100000000,1"], ["above the limit 100000"]),
    (["2," + "9" * 40 + ",1"], ["not a positive integer"]),
    (["2,3000,3000,1"], ["above the limit 1000000"]),
    (["2,3,1", "--seed", "-1"], ["--seed"]),
    (["2,3,1", "--seed", str(2**128)], ["--seed"]),
    (["2,3,1", "--init", "int:1e20"], ["int:1e20"]),
    (["2,3,1", "--init", "int:" + "9" * 30], ["2^62"]),
    (["2,3,1", "--init", "int:-4"], ["int:-4"]),
])
def test_item16_random_bad_arguments(tmp_path, run_cli, argv, words):
    out = tmp_path / "o.json"
    assert_bad(run_cli, tmp_path, ["random", *argv, "-o", out], [], words)


@pytest.mark.parametrize("text, arch", [("2,3,1", [2, 3, 1]), ("(2,3,1)", [2, 3, 1]), ("2-3-1", [2, 3, 1]),
                                        ("[4, 5, 6, 1]", [4, 5, 6, 1])])
def test_item16_architecture_spellings(text, arch):
    from exactsym.network.generate import parse_architecture
    assert parse_architecture(text) == arch


def test_item16_sweep_and_construct_share_the_checks(tmp_path, run_cli):
    assert_bad(run_cli, tmp_path, ["construct", "--only", "--arch", "2,-3,1", "-o", tmp_path / "c"], [], ["-3"])
    assert_bad(run_cli, tmp_path, ["sweep", "--init", "int:1e20", "-o", tmp_path / "s.csv"], [], ["int:1e20"])


def test_item16_canon_npz_refuses_inexact(tmp_path, run_cli):
    p = write(tmp_path, net_obj(first="1/3"))
    out = tmp_path / "c.npz"
    assert_bad(run_cli, tmp_path, ["canon", p, "-o", out], [str(out)], ["not a float64"])


def test_item16_npz_output_keeps_exact_dyadics(tmp_path, run_cli):
    """Entries that are float64 values are written (and read back) exactly."""
    from exactsym import load_network, random_network
    out = tmp_path / "r.npz"
    assert run_cli("random", "2,4,3,1", "--seed", 5, "-o", out, "--quiet")[0] == 0
    assert load_network(out) == random_network([2, 4, 3, 1], seed=5)


def test_item16_readme_sanitizer_recipe_preloads_libstdcxx():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = open(os.path.join(root, "README.md")).read()
    para = text[text.index("EXACTSYM_SANITIZE=1"):].split("\n\n")[0]
    assert "libasan.so" in para and "libstdc++.so" in para and "detect_leaks=0" in para


def test_item16_entries_are_fractions_not_floats(tmp_path):
    """Sanity for the exact path: a huge entry survives load and canonical hashing unchanged."""
    from exactsym import load_network
    p = write(tmp_path, net_obj(first="1e400"))
    assert load_network(p).layers[0][0][0][0] == Fraction(10**400)


@pytest.mark.parametrize("cmd", ["fdim", "certify"])
def test_item13_n_points_cap(tmp_path, run_cli, cmd):
    from exactsym.network.io import MAX_POINTS
    assert_bad(run_cli, tmp_path, [cmd, SMALL, "--n-points", MAX_POINTS + 1], ["--n-points"], [str(MAX_POINTS)])


def test_item16_reproduce_api_refuses_escaping_prefix(tmp_path):
    from exactsym.experiments.reproduce import reproduce
    for prefix in ("../x", "a/b", ""):
        with pytest.raises(ValueError, match="prefix"):
            reproduce(str(tmp_path / "none.csv"), str(tmp_path), prefix=prefix)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("cmd", ["info", "canon", "certify", "fdim", "regions"])
@pytest.mark.parametrize("entry", ["0." + "3" * 8000, "3" * 8000, "1/" + "7" * 8000])
def test_item12_8000_digit_entries_refused_in_one_line(tmp_path, run_cli, cmd, entry):
    """Past MAX_DIGITS (4000) digits an entry is refused while parsing, by every subcommand."""
    p = write(tmp_path, net_obj(first=entry))
    assert_bad(run_cli, tmp_path, [cmd, p], [str(p)], ["absurdly"])


def test_composed_forms_too_large_for_float64_are_one_line_errors(run_cli, tmp_path):
    """Biases of 1e-200 next to O(1) weights: each layer is float-safe, but the composed integer
    forms overflow float64 in the proposals: exit 2 with one line naming the file, no traceback."""
    import numpy as np
    from fractions import Fraction
    from exactsym import Network
    from exactsym.network.io import save_network
    rng = np.random.default_rng(0)
    arch, layers = [3, 6, 5, 1], []
    for fi, n in zip(arch[:-1], arch[1:]):
        W, b = rng.normal(0, (2 / fi) ** .5, size=(n, fi)), rng.normal(0, .1, size=n) * 1e-200
        layers.append(([[Fraction(float(v)) for v in r] for r in W], [Fraction(float(v)) for v in b]))
    f = tmp_path / "tiny.json"
    save_network(Network(arch, layers), f)
    code, out, err = run_cli("regions", f)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(f) in err and "too large for the float64 proposals" in err
