r"""Exact functional-dimension sweeps over architectures (Grigsby-Lindsey-Rolnick, section 8).

For every architecture :math:`(n_0, w^{\times k}, 1)` (``depth`` = k hidden
layers of width w, one output) and every trial t, a seeded random network
theta is drawn and the sweep records, per (architecture, trial):

* ``fdim``: the functional dimension, *exact*:

  - ``fdim_kind = decisive``: :math:`\dim_{fun}(\theta)` computed from a
    decisive set, i.e. n0+1 affinely independent points in *every* region of
    a certified complete region enumeration (SPEC 2) — used when the batch
    rank falls short of D - H and the enumeration fits the budget;
  - ``fdim_kind = batch-lower-bound``: the exact rational rank of the
    Jacobian on the sampled batch Z, a lower bound on
    :math:`\dim_{fun}`. When it equals D - H it *is* the functional
    dimension (``fdim_exact = true``: D - H is an upper bound); otherwise it
    is only a lower bound and ``full`` is left empty (unknown).

* ``full``: ``true``/``false`` when ``fdim = D - H`` is decided exactly, empty
  when it is not decided;
* ``float_rank``: the literature's float estimate, the SVD rank with tolerance
  :math:`s_{\max} \max(m, n) \varepsilon` of the *same* Jacobian J_Z (batched
  over the trials, :mod:`exactsym.screen`); ``float_agrees`` says whether it
  equals the exact rank of that same matrix; ``float_full`` whether it
  claims D - H. A float rank is never reported as the functional dimension;
* ``verdict``: :func:`exactsym.certify.certify`'s verdict.

Deterministic: the network of a trial depends only on (seed, n0, width,
depth, trial) and the batch Z only on (seed, n0, width, depth), so rows do
not depend on chunking, workers or scheduler. Resumable: rows whose key
``(n0, width, depth, trial, seed, init, scale_exp)`` is already in the CSV
are skipped.

``scale_exp`` (default 0) multiplies the output weights W_d by 2^scale_exp:
the exact functional dimension is unchanged (an invertible linear
reparametrisation of theta composes with E_Z), the float rank is not —
this is how the sweep exhibits float failures on badly scaled weights.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction

__all__ = ["SweepConfig", "COLUMNS", "KEY", "sweep", "SweepLock", "drop_partial_row", "run_chunk", "read_rows", "net_seed",
           "trial_network", "architecture_of", "evaluate_networks"]

KEY = ["n0", "width", "depth", "trial", "seed", "init", "scale_exp"]
COLUMNS = KEY + ["architecture", "net_seed", "D", "H", "bound", "n_points", "n_smooth",
                 "batch_rank", "fdim", "fdim_kind", "fdim_exact", "full", "regions",
                 "float_rank", "float_agrees", "float_full", "verdict", "seconds", "note"]


@dataclass
class SweepConfig:
    """Everything that determines a sweep's rows (timings aside)."""
    n0s: list
    widths: list
    depths: list
    trials: int = 100
    init: str = "kaiming"
    seed: int = 0
    denominator: int = 256
    scale_exp: int = 0
    n_points: int | None = None      # None: exactsym.screen.default_n_points
    max_regions: int = 2000          # decisive-set budget (0: never enumerate)
    region_time: float = 20.0        # seconds per enumeration
    certify: bool = True
    chunk: int = 8                   # trials per task (float screening is batched per task)

    def architectures(self):
        for n0 in self.n0s:
            for w in self.widths:
                for k in self.depths:
                    yield n0, w, k


def architecture_of(n0: int, width: int, depth: int) -> list[int]:
    """``depth`` hidden layers of ``width`` neurons, one output: ``(n0, w, ..., w, 1)``."""
    return [n0] + [width] * depth + [1]


def net_seed(seed: int, n0: int, width: int, depth: int, trial: int) -> int:
    """Seed of one trial's network: a SeedSequence hash of the key (32 bits)."""
    import numpy as np
    return int(np.random.SeedSequence([seed, n0, width, depth, trial]).generate_state(1)[0])


def _point_seed(seed, n0, width, depth) -> int:
    import numpy as np
    return int(np.random.SeedSequence([seed, n0, width, depth, 0xB47C]).generate_state(1)[0])


def trial_network(cfg: SweepConfig, n0, width, depth, trial):
    """The exact network of one trial (entries multiples of 1/denominator, W_d scaled by 2^scale_exp)."""
    from ..network.generate import random_network
    net = random_network(architecture_of(n0, width, depth), seed=net_seed(cfg.seed, n0, width, depth, trial),
                         init=cfg.init, denominator=cfg.denominator)
    if cfg.scale_exp:
        net = _scale_output(net, cfg.scale_exp)
    return net


def _scale_output(net, e: int):
    s = Fraction(2) ** e
    layers = list(net.layers)
    W, b = layers[-1]
    layers[-1] = ([[v * s for v in row] for row in W], b)
    return net.with_layers(layers)


# ---- exact pieces (adapters over exactsym.fdim / exactsym.decisive) -----------------

def _exact_batch_rank(net, points):
    """Exact rational rank of J_Z on ``points`` (all smooth). Returns ``(rank, exact)``."""
    try:
        from ..rank.fdim import functional_dimension
    except ImportError:
        functional_dimension = None
    if functional_dimension is not None:
        fd = functional_dimension(net, points=points)
        return int(fd.rank), bool(getattr(fd, "exact", True))
    # fallback: FLINT's exact rational rank of the exact rows
    import flint

    from ..check.shared.exact import jacobian_rows
    rows = [[flint.fmpq(v.numerator, v.denominator) for v in r] for x in points for r in jacobian_rows(net, x)]
    return (flint.fmpq_mat(rows).rank() if rows else 0), True


def _decisive_rank(net, max_regions, time_limit):
    """dim_fun from a decisive set of a complete certified enumeration.

    Returns ``(rank, n_regions, why, lower)``; ``rank`` is None when the
    enumeration does not fit the budget (or is not certified); ``lower`` is
    then the exact rank on the regions found (a lower bound) or None. Uses
    :func:`exactsym.decisive.functional_dimension_decisive` when present, else
    :func:`exactsym.regions.regions` + :func:`exactsym.regions.decisive_points`
    and the exact rank of their Jacobian (SPEC 2: its rank is dim_fun).
    """
    try:
        from ..rank.decisive import functional_dimension_decisive
    except ImportError:
        functional_dimension_decisive = None
    if functional_dimension_decisive is not None:
        try:
            res = functional_dimension_decisive(net, box=None, max_regions=max_regions, time_limit=time_limit,
                                                progress=False)
        except (RuntimeError, TimeoutError, OverflowError) as e:
            return None, None, f"enumeration budget: {e}", None
        regs = getattr(res, "regions", None)
        n_reg = None if regs is None else len(getattr(regs, "regions", regs))
        rank = getattr(res, "rank", None)
        if not getattr(res, "complete", False) or rank is None:
            # the rank on the regions found is exact but only a lower bound on dim_fun
            return None, n_reg, f"regions incomplete ({getattr(res, 'reason', '')})", rank
        return int(rank), n_reg, "", rank
    try:
        from ..arrangement import decisive_points, regions
    except ImportError:
        return None, None, "region enumeration unavailable", None
    reg = regions(net, box=None, max_regions=max_regions, time_limit=time_limit, progress=False)
    if not reg.complete:
        return None, len(reg.regions) or None, f"regions incomplete: {reg.reason}", None
    pts = [x for group in decisive_points(reg) for x in group]
    rank, exact = _exact_batch_rank(net, pts)
    if not exact:
        return None, len(reg.regions), "decisive rank not exact", None
    return rank, len(reg.regions), "", rank


def evaluate_networks(nets, cfg: SweepConfig, points, keys=None):
    """Rows for networks of one architecture evaluated on one shared batch ``points``.

    ``keys``: per network, the dict of key columns (defaults are filled in).
    This is the worker's body; tests call it with hand-made networks.
    """
    from .screen import screen, smooth_mask
    t0 = time.perf_counter()
    mask = smooth_mask(nets, points)
    scr = screen(nets, points=points, mask_nonsmooth=True)
    t_screen = (time.perf_counter() - t0) / max(1, len(nets))
    rows = []
    for i, net in enumerate(nets):
        t1 = time.perf_counter()
        pts = [x for x, ok in zip(points, mask[i]) if ok]
        batch, exact = _exact_batch_rank(net, pts)
        fdim, kind, fexact, full, n_reg, note = batch, "batch-lower-bound", False, None, None, ""
        if not exact:
            note = "batch rank not exact"
        elif batch == net.bound:
            fexact, full = True, True          # lower bound meets the upper bound D - H
        elif cfg.max_regions > 0:
            dec, n_reg, why, lower = _decisive_rank(net, cfg.max_regions, cfg.region_time)
            if dec is None and lower is not None and lower > fdim:
                # exact rank at the decisive points of the regions found: still a
                # lower bound on dim_fun, and final only if it meets D - H
                fdim = lower
                fexact = full = True if lower == net.bound else None
                fexact = bool(fexact)
            if dec is not None:
                if dec < batch:
                    raise AssertionError(f"decisive rank {dec} < batch rank {batch}: inconsistent")
                fdim, kind, fexact, full = dec, "decisive", True, dec == net.bound
            else:
                note = why
        verdict = ""
        if cfg.certify:
            from ..verdict.certify import certify
            try:
                verdict = certify(net, seed=int(keys[i]["trial"]) if keys else 0,
                                  use_regions=cfg.max_regions > 0 and net.depth >= 3,
                                  max_regions=max(1, cfg.max_regions), time_limit=cfg.region_time,
                                  progress=False).verdict
            except Exception as e:  # a crash in certify must not lose the row
                verdict, note = "error", (note + "; " if note else "") + f"certify: {type(e).__name__}: {e}"
        fr = int(scr.ranks[i])
        row = dict(keys[i] if keys else {})
        row.update(architecture="-".join(map(str, net.architecture)), D=net.D, H=net.H, bound=net.bound,
                   n_points=len(points), n_smooth=len(pts), batch_rank=batch, fdim=fdim, fdim_kind=kind,
                   fdim_exact=fexact, full=full, regions=n_reg, float_rank=fr,
                   float_agrees=(fr == batch) if exact else None, float_full=fr == net.bound,
                   verdict=verdict, seconds=round(time.perf_counter() - t1 + t_screen, 4), note=note)
        rows.append(row)
    return rows


def run_chunk(cfg_dict: dict, n0: int, width: int, depth: int, trials: list) -> list:
    """One task: trials ``trials`` of architecture ``(n0, width^depth, 1)``. Picklable entry point."""
    cfg = SweepConfig(**cfg_dict)
    from .screen import _blas_limit
    # parallelism is across tasks: threaded BLAS inside a task only contends
    with _blas_limit(1):
        return _run_chunk(cfg, n0, width, depth, trials)


def _run_chunk(cfg, n0, width, depth, trials):
    from .screen import default_n_points, rational_points
    nets = [trial_network(cfg, n0, width, depth, t) for t in trials]
    P = cfg.n_points or default_n_points(nets[0])
    points = rational_points(n0, P, seed=_point_seed(cfg.seed, n0, width, depth))
    keys = [dict(n0=n0, width=width, depth=depth, trial=t, seed=cfg.seed, init=cfg.init,
                 scale_exp=cfg.scale_exp, net_seed=net_seed(cfg.seed, n0, width, depth, t)) for t in trials]
    return evaluate_networks(nets, cfg, points, keys)


# ---- CSV -------------------------------------------------------------------------

def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _key_of(row) -> tuple:
    return tuple(str(_cell(row[k])) for k in KEY)


class SweepFileError(ValueError):
    """The output CSV exists but is not a sweep CSV of this format."""


def read_rows(path) -> list[dict]:
    """Rows of a sweep CSV as dicts of strings (empty list when the file does not exist).

    A row with a missing or an extra cell is an error naming its line, except a last
    line without its newline: that is a row cut by a killed run, which
    :func:`drop_partial_row` removes before a resume.
    """
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        if r.fieldnames is None:
            return []
        missing = [c for c in KEY if c not in r.fieldnames]
        if missing:
            raise SweepFileError(f"{path}: not a sweep CSV (missing columns {', '.join(missing)})")
        rows = []
        for row in r:
            if None in row or any(v is None for v in row.values()):
                n = sum(v is not None for k, v in row.items() if k is not None) + len(row.get(None, []))
                raise SweepFileError(f"{path}: line {r.line_num}: a row with {n} cells where the header "
                                     f"has {len(r.fieldnames)}")
            rows.append(row)
        return rows


def drop_partial_row(path) -> bool:
    """Cut a last line that has no newline (a row a killed run left half written).

    Rows are appended whole and flushed per task, so only the last line can be cut;
    removing it makes the resume recompute that trial. Returns True when it cut.
    """
    try:
        with open(path, "rb+") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return False
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return False
            keep, pos = 0, size
            while pos > 0 and not keep:   # find the last newline, a block at a time
                step = min(65536, pos)
                pos -= step
                f.seek(pos)
                i = f.read(step).rfind(b"\n")
                if i >= 0:
                    keep = pos + i + 1
            f.truncate(keep)
            return True
    except FileNotFoundError:
        return False


class SweepLock:
    """An exclusive ``flock`` on ``CSV.lock`` for the whole sweep.

    Two sweeps appending to one CSV used to lose rows; the second is now refused.
    The kernel drops a ``flock`` when its process dies, so a killed run leaves no
    stale lock (the file itself may stay; it holds the last owner's pid). After
    locking we check the path still names the locked file (another run may have
    removed it meanwhile) and retry once if not.
    """

    def __init__(self, csv_path):
        self.path = f"{csv_path}.lock"
        self.fd = None

    def __enter__(self):
        import fcntl
        for _ in range(3):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise SweepFileError(f"{self.path[:-5]}: another sweep (pid {owner}) is writing it; "
                                     f"wait for it to finish (lock {self.path})") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
                return self
            os.close(fd)
        raise SweepFileError(f"{self.path}: lock file keeps changing; is another sweep starting?")

    def __exit__(self, *exc):
        try:
            os.unlink(self.path)   # while still holding the lock: see the inode check above
        except OSError:
            pass
        os.close(self.fd)
        return False


def _tasks(cfg: SweepConfig, done: set):
    tasks = []
    for n0, w, k in cfg.architectures():
        todo = [t for t in range(cfg.trials)
                if tuple(str(x) for x in (n0, w, k, t, cfg.seed, cfg.init, cfg.scale_exp)) not in done]
        for s in range(0, len(todo), cfg.chunk):
            tasks.append((n0, w, k, todo[s:s + cfg.chunk]))
    # biggest architectures first: better load balance at the end of a sweep
    tasks.sort(key=lambda t: -(t[0] + 1) * t[1] * t[2])
    return tasks


class Progress:
    """A one-line progress bar on stderr (only when enabled)."""

    def __init__(self, total: int, enabled: bool, stream=None):
        self.total, self.done, self.enabled = total, 0, enabled and total > 0
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()

    def update(self, n: int, extra: str = ""):
        self.done += n
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        rate = self.done / el if el > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 30
        fill = int(width * self.done / self.total)
        self.stream.write(f"\rsweep [{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
                          f"{rate:.2f}/s eta {eta:.0f}s {extra}\x1b[K")
        self.stream.flush()

    def close(self):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _local_results(cfg_dict, tasks, workers):
    """Yield each task's rows as it completes, on a local process pool."""
    workers = min(workers, len(tasks))
    if workers <= 1:
        for t in tasks:
            yield run_chunk(cfg_dict, *t)
        return
    import concurrent.futures as cf
    import multiprocessing as mp
    # fork where available: spawn/forkserver re-import the __main__ module,
    # which breaks for scripts without a main guard (and `python -m exactsym`).
    # Each task limits its own BLAS threads (run_chunk).
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
        futs = [ex.submit(run_chunk, cfg_dict, *t) for t in tasks]
        try:
            for f in cf.as_completed(futs):
                yield f.result()
        finally:
            for f in futs:
                f.cancel()


def _dask_results(cfg_dict, tasks, scheduler=None, client=None):
    """Yield each task's rows as it completes, on a dask.distributed cluster."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RuntimeError("--scheduler needs dask.distributed (pip install 'exactsym[dask]')") from None
    own = client is None
    if own:
        client = Client(scheduler, timeout=30)
    try:
        futs = [client.submit(run_chunk, cfg_dict, *t, pure=False) for t in tasks]
        for f in as_completed(futs):
            yield f.result()
    finally:
        if own:
            client.close()


@dataclass
class SweepSummary:
    output: str
    rows: int
    new: int
    skipped: int
    architectures: int
    full_proven: int
    deficit_proven: int
    undecided: int
    float_disagreements: int
    seconds: float
    backend: str = "local"
    errors: list = field(default_factory=list)

    def to_dict(self):
        return asdict(self)


def sweep(cfg: SweepConfig, output: str, workers: int = 1, scheduler: str | None = None, client=None,
          progress: bool = False) -> SweepSummary:
    """Run (or resume) a sweep, appending rows to ``output`` as tasks finish.

    At the end the CSV is rewritten sorted by key (atomically), so that equal
    sweeps give byte-identical files up to the ``seconds`` column.
    """
    with SweepLock(output):
        return _sweep_locked(cfg, output, workers, scheduler, client, progress)


def _sweep_locked(cfg, output, workers, scheduler, client, progress) -> SweepSummary:
    t0 = time.perf_counter()
    drop_partial_row(output)
    existing = read_rows(output)
    done = {_key_of(r) for r in existing}
    tasks = _tasks(cfg, done)
    n_new = sum(len(t[3]) for t in tasks)
    skipped = len(list(cfg.architectures())) * cfg.trials - n_new
    cfg_dict = asdict(cfg)
    if scheduler or client is not None:
        results, backend = _dask_results(cfg_dict, tasks, scheduler, client), "dask"
    else:
        results, backend = _local_results(cfg_dict, tasks, workers), f"local:{max(1, workers)}"
    bar = Progress(n_new, progress)
    new_file = not existing and (not os.path.exists(output) or os.path.getsize(output) == 0)
    if existing:
        with open(output, newline="") as f:
            header = next(csv.reader(f))
        if header != COLUMNS:
            # older/other column set: rewrite in the current format before appending
            _rewrite(output, existing)
    if new_file:
        d = os.path.dirname(os.path.abspath(output))
        os.makedirs(d, exist_ok=True)
        with open(output, "w", newline="") as f:
            csv.writer(f).writerow(COLUMNS)
    try:
        with open(output, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
            for rows in results:
                for r in rows:
                    w.writerow({k: _cell(r.get(k)) for k in COLUMNS})
                f.flush()  # each finished task survives an interruption (resume)
                bar.update(len(rows), f"{rows[0]['architecture']}" if rows else "")
    finally:
        bar.close()
    all_rows = read_rows(output)
    _rewrite(output, all_rows)
    mine = [r for r in all_rows if r["seed"] == str(cfg.seed) and r["init"] == cfg.init
            and r["scale_exp"] == str(cfg.scale_exp)
            and (int(r["n0"]), int(r["width"]), int(r["depth"])) in set(cfg.architectures())
            and int(r["trial"]) < cfg.trials]
    return SweepSummary(output=output, rows=len(mine), new=n_new, skipped=skipped,
                        architectures=len(set(cfg.architectures())),
                        full_proven=sum(r["full"] == "true" for r in mine),
                        deficit_proven=sum(r["full"] == "false" for r in mine),
                        undecided=sum(r["full"] == "" for r in mine),
                        float_disagreements=sum(r["float_agrees"] == "false" for r in mine),
                        seconds=round(time.perf_counter() - t0, 3), backend=backend,
                        errors=sorted({r["note"] for r in mine if r["verdict"] == "error"}))


def _sort_key(r):
    def num(v):
        try:
            return (0, int(v))
        except ValueError:
            return (1, v)
    return tuple(num(r.get(k, "")) for k in KEY)


def _rewrite(path, rows):
    rows = sorted(rows, key=_sort_key)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in COLUMNS})
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", newline="") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
