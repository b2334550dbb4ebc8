"""One output schema and script-usable exit codes (issue 12, items 3 and 4).

Every subcommand's ``--json`` object validates against ``docs/schema/output.schema.json``
and its ``exit_code`` equals the process's exit code; the exit code follows the table in
``docs/output.md``.
"""
import json
import os

import pytest

from conftest import EXAMPLES, ROOT

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.load(open(os.path.join(ROOT, "docs", "schema", "output.schema.json")))
FLIP = os.path.join(EXAMPLES, "flip.json")
TWIN = os.path.join(EXAMPLES, "flip_twin.json")
SMALL = os.path.join(EXAMPLES, "small.json")


def _run(run_cli, *argv):
    code, out, err = run_cli(*argv, "--json")
    obj = json.loads(out)
    jsonschema.validate(obj, SCHEMA)
    assert obj["exit_code"] == code, (argv, obj)
    assert obj["command"] == argv[0]
    return code, obj


def test_every_subcommand_validates_and_exit_codes(run_cli, tmp_path):
    other = tmp_path / "o.json"
    assert _run(run_cli, "random", "1,2,1", "--seed", "5", "-o", other)[0] == 0
    assert _run(run_cli, "info", SMALL)[0] == 0
    assert _run(run_cli, "canon", FLIP)[0] == 0
    code, obj = _run(run_cli, "certify", FLIP, "--cert", tmp_path / "c.json")
    assert code == 1 and obj["verdict"] == "hidden-symmetry"            # refuted: theta has one
    code, obj = _run(run_cli, "certify", os.path.join(ROOT, "proofs", "examples", "shallow-generic.net.json"))
    assert code == 0 and obj["verdict"] == "no-hidden-symmetries" and obj["fdim"] == obj["fdim_upper_bound"]
    code, obj = _run(run_cli, "check", tmp_path / "c.json")
    assert code == 0 and obj["valid"] is True and len(obj["network_sha256"]) == 64
    assert _run(run_cli, "equiv", FLIP, TWIN)[0] == 0
    code, obj = _run(run_cli, "equiv", FLIP, other)
    assert code == 1 and obj["equivalent"] is False
    code, obj = _run(run_cli, "regions", SMALL)
    assert code == 0 and obj["complete"] and obj["count"] == obj["count_lower_bound"] == 102
    code, obj = _run(run_cli, "regions", SMALL, "--max-regions", "5")
    assert code == 3 and obj["count"] is None and obj["count_lower_bound"] == 5
    code, obj = _run(run_cli, "fdim", SMALL, "--seed", "1")
    assert code in (0, 3) and obj["seed"] == 1 and obj["what"] in ("dim_fun", "batch")
    assert (code == 0) == obj["exact"]


def test_errors_validate_too(run_cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    code, obj = _run(run_cli, "info", bad)
    assert code == 2 and str(bad) in obj["error"]
    cert = tmp_path / "c.json"
    run_cli("certify", FLIP, "--cert", cert)
    c = json.loads(cert.read_text())
    c["network_sha256"] = "0" * 64
    cert.write_text(json.dumps(c))
    code, obj = _run(run_cli, "check", cert)
    assert code == 1 and obj["valid"] is False


def test_schema_rejects_a_bound_without_its_suffix():
    """The schema can fail: an incomplete regions object claiming a count is rejected."""
    obj = {"schema": "exactsym-output/1", "command": "regions", "exit_code": 3, "time_s": 0.1, "seed": None,
           "domain": "R^n", "file": "x", "count": 12, "count_lower_bound": 12, "complete": False, "n0": 2,
           "reason": "budget", "certificate": None}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(obj, SCHEMA)


def test_every_option_has_help_and_shows_its_default():
    """Issue 12 item 5: every option of every subcommand says what it does; set defaults are shown."""
    import argparse

    from exactsym.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, sp in sub.choices.items():
        text = sp.format_help()
        assert "exit codes: 0 decided" in text, name
        for a in sp._actions:
            if a.help == argparse.SUPPRESS or isinstance(a, argparse._HelpAction):
                continue
            if not a.help:
                missing.append((name, a.dest))
            elif a.option_strings and a.default not in (None, False) and a.default is not argparse.SUPPRESS:
                assert "default" in sp._get_formatter()._get_help_string(a), (name, a.dest)
    assert not missing, missing


@pytest.mark.parametrize("cmd", ["certify", "equiv", "fdim", "regions"])
@pytest.mark.parametrize("value", ["nan", "-1", "0", "x"])
def test_time_limit_must_be_a_positive_number(run_cli, cmd, value):
    argv = [cmd, FLIP] + ([TWIN] if cmd == "equiv" else []) + [f"--time-limit={value}"]
    code, out, err = run_cli(*argv)
    assert code == 2 and "--time-limit" in err and len(err.strip().splitlines()) == 1


def test_info_says_when_d_minus_h_is_not_a_bound(run_cli, tmp_path):
    """With a zero incoming row the scaling generators are dependent: D - H bounds nothing."""
    from exactsym import Network, save_network
    f = tmp_path / "z.json"
    save_network(Network([1, 2, 1], [([[0], [1]], [0, 1]), ([[1, 1]], [0])]), f)
    code, obj = _run(run_cli, "info", f)
    assert code == 0 and obj["bound"] == 5 and obj["bound_is_upper_bound"] is False
    code, text, _ = run_cli("info", f)
    assert "NOT an upper bound" in text
    assert _run(run_cli, "info", SMALL)[1]["bound_is_upper_bound"] is True
