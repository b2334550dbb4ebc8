"""Bad input: one-line message naming the file, exit code 2, nothing written (issue 2)."""
import json
import os
import pickle

import numpy as np
import pytest

GOOD_LAYERS = [{"W": [["1", "2"], ["3", "4"], ["5", "6"]], "b": ["0", "0", "1"]},
               {"W": [["1", "-1", "2"]], "b": ["0"]}]


def net_obj(**over):
    obj = {"format": "exactsym-net/1", "architecture": [2, 3, 1], "layers": GOOD_LAYERS}
    obj.update(over)
    return obj


def bad_layers(path, value):
    layers = json.loads(json.dumps(GOOD_LAYERS))
    cur = layers
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return net_obj(layers=layers)


CASES = {
    "malformed": ("text", '{"format": "exactsym-net/1", "architecture": [2,3,1'),
    "empty_file": ("text", ""),
    "not_object": ("json", [1, 2, 3]),
    "wrong_format": ("json", net_obj(format="other/1")),
    "missing_layers": ("json", {"format": "exactsym-net/1", "architecture": [2, 3, 1]}),
    "arch_mismatch": ("json", net_obj(architecture=[2, 4, 1])),
    "too_few_layers": ("json", net_obj(architecture=[2, 3, 3, 1])),
    "wrong_row_length": ("json", bad_layers([0, "W", 1], ["1"])),
    "wrong_bias_length": ("json", bad_layers([1, "b"], ["0", "1"])),
    "nan_string": ("json", bad_layers([0, "W", 0, 0], "nan")),
    "nan_literal": ("text", json.dumps(net_obj()).replace('"5"', "NaN")),
    "infinity_literal": ("text", json.dumps(net_obj()).replace('"5"', "Infinity")),
    "non_numeric": ("json", bad_layers([0, "b", 2], "one")),
    "zero_denominator": ("json", bad_layers([1, "W", 0, 2], "3/0")),
    "boolean": ("json", bad_layers([1, "b", 0], True)),
    "null_entry": ("json", bad_layers([1, "b", 0], None)),
    "empty_layers": ("json", net_obj(architecture=[2, 0, 1])),
    "empty_architecture": ("json", net_obj(architecture=[])),
    "absurd_size": ("json", net_obj(architecture=[100000, 100000, 1])),
    "absurd_number": ("json", bad_layers([0, "b", 0], "1e999999")),
    "pickle": ("bytes", pickle.dumps({"W": [1, 2]})),
    "binary": ("bytes", bytes(range(256)) * 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["info", "canon"])
def test_bad_network_file(name, command, tmp_path, run_cli):
    kind, payload = CASES[name]
    p = tmp_path / "bad.json"
    if kind == "text":
        p.write_text(payload)
    elif kind == "json":
        p.write_text(json.dumps(payload))
    else:
        p.write_bytes(payload)
    out_file = tmp_path / "out.json"
    extra = ["-o", out_file] if command == "canon" else []
    code, out, err = run_cli(command, p, *extra)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(p) in lines[0] and "Traceback" not in err
    assert not out_file.exists()
    # --json: one JSON object on stdout naming the error
    code, out, err = run_cli(command, p, "--json", *extra)
    assert code == 2 and json.loads(out)["exit_code"] == 2 and str(p) in json.loads(out)["error"]
    assert os.listdir(tmp_path) == ["bad.json"]


def test_missing_file(run_cli, tmp_path):
    code, out, err = run_cli("info", tmp_path / "nope.json")
    assert code == 2 and "no such file" in err


def test_bad_npz(tmp_path, run_cli):
    p = tmp_path / "n.npz"
    np.savez(p, W0=np.ones((3, 2)), b0=np.ones(4), W1=np.ones((1, 3)), b1=np.ones(1))
    code, _, err = run_cli("info", p)
    assert code == 2 and "b has 4 entries" in err
    np.savez(p, W0=np.array([[np.nan, 1.0]]), b0=np.ones(1))
    code, _, err = run_cli("info", p)
    assert code == 2 and "NaN" in err
    np.savez(p, W0=np.array([[1, 2]], dtype=object), b0=np.ones(1))
    code, _, err = run_cli("info", p)
    assert code == 2 and str(p) in err


def test_random_bad_args(run_cli, tmp_path):
    out = tmp_path / "o.json"
    for argv in (["2,x,1"], ["2,3,1", "--init", "gauss"], ["5"], ["2,0,1"], ["2,3,1", "--init", "int:0"]):
        code, _, err = run_cli("random", *argv, "-o", out)
        assert code == 2 and err.count("\n") == 1
    assert not out.exists()


def test_bad_flag_is_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("info", "--frobnicate")
    assert code == 2 and "Traceback" not in err
