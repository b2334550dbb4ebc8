"""Sweeps (exactsym.experiments.sweep), the sweep/reproduce CLIs, and construct.

Small grids only: the whole file should run in well under a minute.
"""

import csv
import json
import os
from fractions import Fraction

import pytest

from exactsym import Network
from exactsym.network.generate import random_network
from exactsym.experiments.screen import rational_points
from exactsym.experiments.sweep import COLUMNS, KEY, SweepConfig, evaluate_networks, read_rows, sweep

TINY = dict(n0s=[1, 2], widths=[2, 3], depths=[1, 2], trials=3, max_regions=200, region_time=5.0)
VOLATILE = ("seconds",)


def _stable(rows):
    return sorted(tuple((k, v) for k, v in r.items() if k not in VOLATILE) for r in rows)


def test_sweep_rows_and_columns(tmp_path):
    out = tmp_path / "r.csv"
    s = sweep(SweepConfig(**TINY), str(out))
    rows = read_rows(out)
    assert s.rows == s.new == len(rows) == 2 * 2 * 2 * 3 and s.skipped == 0
    with open(out, newline="") as f:
        assert next(csv.reader(f)) == COLUMNS
    for r in rows:
        bound, fdim, batch = int(r["bound"]), int(r["fdim"]), int(r["batch_rank"])
        assert r["fdim_kind"] in ("decisive", "batch-lower-bound")
        assert batch <= fdim <= bound
        assert r["architecture"] == "-".join([r["n0"]] + [r["width"]] * int(r["depth"]) + ["1"])
        # full is decided exactly or left empty, never read off the float
        if r["full"] == "true":
            assert fdim == bound and r["fdim_exact"] == "true"
        elif r["full"] == "false":
            assert r["fdim_kind"] == "decisive" and fdim < bound
        else:
            assert r["fdim_exact"] == "false" and fdim < bound
        assert r["float_agrees"] in ("true", "false")
        assert (r["float_full"] == "true") == (int(r["float_rank"]) == bound)
        assert r["verdict"] in ("no-hidden-symmetries", "locally-identifiable", "hidden-symmetry", "undecided")
        # the network is reproducible from the row
        net = random_network([int(x) for x in r["architecture"].split("-")], seed=int(r["net_seed"]))
        assert net.bound == bound


def test_resume_skips_existing_rows(tmp_path):
    out = str(tmp_path / "r.csv")
    cfg = SweepConfig(**dict(TINY, trials=2))
    s1 = sweep(cfg, out)
    first = read_rows(out)
    s2 = sweep(cfg, out)
    assert s2.new == 0 and s2.skipped == s1.rows
    assert read_rows(out) == first  # nothing recomputed, nothing duplicated
    # more trials: only the new ones are computed, the old rows are kept verbatim
    s3 = sweep(SweepConfig(**dict(TINY, trials=3)), out)
    assert s3.new == 8 and s3.skipped == 16
    rows = read_rows(out)
    assert len(rows) == 24 and len({tuple(r[k] for k in KEY) for r in rows}) == 24
    old = {tuple(r[k] for k in KEY): r for r in first}
    assert all(r == old[tuple(r[k] for k in KEY)] for r in rows if tuple(r[k] for k in KEY) in old)


def test_rows_independent_of_chunking_and_workers(tmp_path):
    a, b = str(tmp_path / "a.csv"), str(tmp_path / "b.csv")
    cfg = dict(TINY, n0s=[2], trials=3)
    sweep(SweepConfig(**dict(cfg, chunk=1)), a, workers=1)
    sweep(SweepConfig(**dict(cfg, chunk=2)), b, workers=2)
    assert _stable(read_rows(a)) == _stable(read_rows(b))


def test_dask_local_cluster_gives_the_same_rows(tmp_path):
    distributed = pytest.importorskip("distributed")
    a, b = str(tmp_path / "local.csv"), str(tmp_path / "dask.csv")
    cfg = SweepConfig(**dict(TINY, n0s=[1], trials=2))
    sweep(cfg, a)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        s = sweep(cfg, b, scheduler=cluster.scheduler_address)
    assert s.backend == "dask"
    assert _stable(read_rows(a)) == _stable(read_rows(b))


def test_float_disagreement_is_recorded():
    """Tiny output weights: exact rank D - H, float rank below it -> float_agrees false."""
    base = random_network([1, 3, 1], seed=0)
    (W1, b1), (W2, b2) = base.layers
    t = Fraction(1, 2**70)
    bad = Network([1, 3, 1], [(W1, b1), ([[w * t for w in r] for r in W2], b2)])
    cfg = SweepConfig(n0s=[1], widths=[3], depths=[1], trials=1, max_regions=0, certify=False)
    keys = [dict(n0=1, width=3, depth=1, trial=0, seed=0, init="custom", scale_exp=-70)]
    (row,) = evaluate_networks([bad], cfg, rational_points(1, 40, seed=0), keys)
    assert row["batch_rank"] == row["fdim"] == bad.bound
    assert row["full"] is True and row["fdim_exact"] is True
    assert row["float_rank"] < row["batch_rank"]
    assert row["float_agrees"] is False and row["float_full"] is False


def test_scale_exp_sweep_records_float_failures(tmp_path):
    out = str(tmp_path / "s.csv")
    s = sweep(SweepConfig(n0s=[1], widths=[3], depths=[1], trials=3, scale_exp=-70, max_regions=0,
                          certify=False), out)
    rows = read_rows(out)
    # only the 4 columns dF/dW2, dF/db2 are O(1); the other 6 carry 2^-70
    assert all(r["scale_exp"] == "-70" and int(r["float_rank"]) <= 4 for r in rows)
    wrong = [r for r in rows if int(r["batch_rank"]) > 4]
    assert wrong and all(r["float_agrees"] == "false" for r in wrong)
    assert s.float_disagreements == len(wrong)


def test_cli_sweep_and_reproduce(tmp_path, run_cli):
    out = str(tmp_path / "c.csv")
    code, so, se = run_cli("sweep", "--n0", "1,2", "--widths", "2", "--depths", "1,2", "--trials", "2",
                           "--max-regions", "100", "-o", out, "--json", "--workers", "1")
    assert code == 0, se
    obj = json.loads(so)
    assert obj["rows"] == 8 and obj["new"] == 8 and obj["output"] == out
    assert se == ""  # --json: nothing on stderr (no progress bar)
    code, so, se = run_cli("sweep", "--n0", "1,2", "--widths", "2", "--depths", "1,2", "--trials", "2",
                           "--max-regions", "100", "-o", out, "--quiet")
    assert code == 0 and "0 new, 8 resumed" in so and se == ""
    pytest.importorskip("matplotlib")
    from exactsym.cli.reproduce import add_arguments, cmd_reproduce
    import argparse
    p = argparse.ArgumentParser()
    add_arguments(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true")
    outdir = tmp_path / "figs"
    assert cmd_reproduce(p.parse_args([out, "-o", str(outdir), "--json"])) == 0
    pngs = sorted(os.listdir(outdir))
    assert "fdim_vs_depth.png" in pngs and "fdim_vs_n0.png" in pngs
    with open(outdir / "fdim_vs_depth.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, word", [
    (["--n0", "1,x"], "--n0"),
    (["--n0", "0"], "--n0"),
    (["--widths", ""], "--widths"),
    (["--depths", "3-1"], "--depths"),
    (["--trials", "-5"], "--trials"),
    (["--init", "gaussian"], "init"),
    (["--workers", "zero"], "--workers"),
    (["--region-time", "nan"], "--region-time"),
    (["--plot", "fig.pdf"], "--plot"),
])
def test_cli_bad_input_exits_2(tmp_path, run_cli, argv, word):
    code, so, se = run_cli("sweep", "-o", str(tmp_path / "x.csv"), *argv)
    assert code == 2
    assert se.startswith("exactsym: error:") and se.count("\n") == 1 and word in se
    assert not os.path.exists(tmp_path / "x.csv")


def test_cli_bad_input_json(tmp_path, run_cli):
    code, so, se = run_cli("sweep", "-o", str(tmp_path / "x.csv"), "--trials", "many", "--json")
    assert code == 2 and json.loads(so)["exit_code"] == 2


def test_cli_refuses_foreign_csv(tmp_path, run_cli):
    p = tmp_path / "other.csv"
    p.write_text("a,b\n1,2\n")
    code, so, se = run_cli("sweep", "--n0", "1", "--widths", "2", "--depths", "1", "--trials", "1",
                           "-o", str(p))
    assert code == 2 and "not a sweep CSV" in se
    assert p.read_text() == "a,b\n1,2\n"


def test_reproduce_table_lists_disagreements(tmp_path):
    from exactsym.experiments.reproduce import disagreements, load_results
    out = str(tmp_path / "s.csv")
    sweep(SweepConfig(n0s=[1], widths=[3], depths=[1], trials=2, scale_exp=-70, max_regions=0,
                      certify=False), out)
    sweep(SweepConfig(n0s=[1], widths=[2], depths=[1], trials=2, max_regions=0, certify=False), out)
    tab = disagreements(load_results(out))
    assert [r["architecture"] for r in tab] == ["1-3-1"] and tab[0]["float_wrong"] >= 1


# ---- construct -------------------------------------------------------------------

def _construct_args(argv):
    import argparse
    from exactsym.cli.construct import add_arguments
    p = argparse.ArgumentParser()
    add_arguments(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def test_construct_certifies_full_fdim(tmp_path):
    from exactsym.check import check_certificate
    from exactsym.experiments.construct import classify, construct
    r = construct([2, 3, 3, 1], n_seeds=16, outdir=str(tmp_path))
    assert r.full and r.rank == r.bound == 19 and r.kind == "wide"
    with open(r.certificate) as f:
        cert = json.load(f)
    chk = check_certificate(cert)
    assert chk.valid and cert["claim"] == "fdim>=r" and cert["r"] == 19
    assert classify([3, 2, 2, 1]) == "narrow" and classify([2, 3, 1, 3, 1]) == "bottleneck"


def test_construct_narrow_and_bottleneck(tmp_path):
    from exactsym.experiments.construct import construct
    # all widths >= 2 but n1 < n0: D - H is attained (Grillo-Montufar)
    r = construct([3, 2, 1], n_seeds=16, climb_rounds=0)
    assert r.full
    # width-1 bottleneck of depth 4: the search reports its best certified rank below D - H
    b = construct([1, 1, 1, 1, 1], n_seeds=8, climb_rounds=2, climb_pop=4, outdir=str(tmp_path))
    assert b.kind == "bottleneck" and 0 < b.rank <= b.bound and b.certificate


def test_construct_cli(tmp_path, capsys):
    from exactsym.cli import UsageError
    from exactsym.cli import main
    from exactsym.cli.construct import cmd_construct
    out = tmp_path / "c"
    assert main(["construct", "--only", "--arch", "2,2,1", "--arch", "1,2,2,1", "--seeds", "8",
                 "-o", str(out), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["architectures"] == 2 and obj["full"] == 2
    assert sorted(os.listdir(out)) == ["1-2-2-1.json", "2-2-1.json", "summary.json", "summary.md"]
    for bad in (["--arch", "2,x,1"], ["--only"], ["--seeds", "0"], ["--arch", "2,1"]):
        with pytest.raises(UsageError):
            cmd_construct(_construct_args(bad + ["-o", str(tmp_path / "d")]))


def test_progress_bar_only_when_enabled():
    import io
    from exactsym.experiments.sweep import Progress
    buf = io.StringIO()
    p = Progress(4, True, stream=buf)
    p.update(2, "2-3-1")
    p.close()
    assert "2/4" in buf.getvalue() and buf.getvalue().endswith("\n")
    buf = io.StringIO()
    p = Progress(4, False, stream=buf)
    p.update(4)
    p.close()
    assert buf.getvalue() == ""


# ---- issue 10 item 15: cut rows, locks, malformed CSV cells ----------------------------

SMALL_SWEEP = dict(n0s=[1], widths=[2], depths=[1, 2], trials=2, max_regions=50, region_time=5.0, certify=False)


@pytest.mark.parametrize("cut", [1, 7, 20, -3])
def test_item15_cut_row_is_dropped_and_its_trial_resumed(tmp_path, cut):
    """A run killed mid-row leaves a last line without newline: the resume cuts it, recomputes
    that trial, and the CSV equals the uninterrupted one."""
    from exactsym.experiments.sweep import drop_partial_row
    full = tmp_path / "full.csv"
    sweep(SweepConfig(**SMALL_SWEEP), str(full))
    text = full.read_bytes()
    lines = text.split(b"\r\n")
    assert lines[-1] == b"" and len(lines) == 2 + 4
    last = lines[-2]
    cut_at = cut if cut > 0 else len(last) + cut
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\r\n".join(lines[:-2]) + b"\r\n" + last[:cut_at])
    s = sweep(SweepConfig(**SMALL_SWEEP), str(broken))
    assert s.new == 1 and s.rows == 4
    assert _stable(read_rows(broken)) == _stable(read_rows(full))
    assert drop_partial_row(str(broken)) is False        # the result ends with a newline


def test_item15_malformed_row_in_the_middle_is_refused(tmp_path, run_cli):
    from badinput import assert_bad
    full = tmp_path / "r.csv"
    sweep(SweepConfig(**SMALL_SWEEP), str(full))
    lines = full.read_text().splitlines(keepends=True)
    lines[2] = lines[2].split(",", 3)[0] + ",1\r\n"     # a row with 2 cells
    full.write_text("".join(lines))
    argv = ["sweep", "--n0", "1", "--widths", "2", "--depths", "1,2", "--trials", "2", "--max-regions", "50",
            "--no-certify", "--workers", "1", "-o", full]
    assert_bad(run_cli, tmp_path, argv, [str(full)], ["line 3"])


def _hold_lock(path):
    """A subprocess that holds the sweep lock of ``path`` until killed."""
    import subprocess
    import sys
    code = ("import sys, time\nfrom exactsym.experiments.sweep import SweepLock\n"
            f"l = SweepLock({str(path)!r}).__enter__()\nprint('locked', flush=True)\ntime.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(__import__("sys").path)})
    assert p.stdout.readline().strip() == "locked"
    return p


def test_item15_second_sweep_on_one_csv_is_refused(tmp_path, run_cli):
    from badinput import assert_bad
    out = tmp_path / "r.csv"
    argv = ["sweep", "--n0", "1", "--widths", "2", "--depths", "1", "--trials", "1", "--max-regions", "50",
            "--no-certify", "--workers", "1", "-o", out]
    holder = _hold_lock(out)
    try:
        assert_bad(run_cli, tmp_path, argv, [str(out)], ["another sweep", f"pid {holder.pid}"])
    finally:
        holder.kill()
        holder.wait()
    # the killed holder's lock file stays behind (stale, with its pid): the kernel dropped the
    # flock with the process, so the next sweep runs, and removes the lock file when done
    assert (tmp_path / "r.csv.lock").read_text().strip() == str(holder.pid)
    code, so, se = run_cli(*argv, "--quiet")
    assert code == 0, se
    assert sorted(os.listdir(tmp_path)) == ["r.csv"] and len(read_rows(out)) == 1


def test_item15_concurrent_sweeps_lose_no_rows(tmp_path):
    """Two sweeps started together on one CSV: one runs, the other is refused; no row is lost."""
    import subprocess
    import sys
    out = tmp_path / "r.csv"
    argv = [sys.executable, "-m", "exactsym", "sweep", "--n0", "1", "--widths", "2", "--depths", "1,2",
            "--trials", "3", "--max-regions", "50", "--no-certify", "--workers", "1", "--quiet", "-o", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    res = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in res)
    assert codes in ([0, 0], [0, 2]), res                # [0, 0]: the second started after the first ended
    assert all("another sweep" in e for c, e in res if c == 2)
    rows = read_rows(out)
    assert len(rows) == 6 and len({tuple(r[k] for k in KEY) for r in rows}) == 6


@pytest.mark.parametrize("column, value, words", [
    ("width", "2.5", "not an integer"),
    ("width", "", "not an integer"),
    ("trial", "x", "not an integer"),
    ("depth", "0", "out of range"),
    ("full", "yes", "not true, false or empty"),
    ("float_full", "1", "not true, false or empty"),
    ("fdim", "３", "not an integer"),
    ("D", "1e3", "not an integer"),
])
def test_item15_reproduce_rejects_malformed_cells(tmp_path, run_cli, column, value, words):
    pytest.importorskip("matplotlib")
    from badinput import assert_bad
    src = tmp_path / "r.csv"
    sweep(SweepConfig(**SMALL_SWEEP), str(src))
    rows = read_rows(src)
    rows[2][column] = value
    with open(src, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    assert_bad(run_cli, tmp_path, ["reproduce", src, "-o", tmp_path / "figs"], [str(src)],
               ["row 3", "line 4", repr(column), words])
