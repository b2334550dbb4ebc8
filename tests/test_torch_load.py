"""Issue 10 item 11: PyTorch files are read without torch through a restricted unpickler that
keeps a state_dict's own key order and refuses every module but Linear/ReLU, sparse and meta
tensors, and every other global. Files are written by tests/torchfmt.py (no torch needed) and,
where torch is installed, by torch.save itself."""
import json
import os
import pickle
import subprocess
import sys
from collections import OrderedDict
from fractions import Fraction

import numpy as np
import pytest

import torchfmt as tf
from badinput import assert_bad
from exactsym import Network, load_network

RNG = np.random.default_rng(7)


def dyadic(shape, dtype=np.float32):
    return (RNG.integers(-64, 65, size=shape) / 32).astype(dtype)


def expected(arrays):
    """The exact network of float arrays [W1, b1, ...] taken in the given order."""
    arch = [arrays[0].shape[1]] + [W.shape[0] for W in arrays[0::2]]
    return Network(arch, [(W.astype(np.float64).tolist(), b.astype(np.float64).tolist())
                          for W, b in zip(arrays[0::2], arrays[1::2])])


def eleven_layers():
    """fc1 ... fc11, all 2x2: any order of them loads, so only the right order is right."""
    return [(f"fc{i}", dyadic((2, 2)), dyadic(2)) for i in range(1, 12)]


# ---- order ---------------------------------------------------------------------------

def test_item11_state_dict_keeps_registration_order(tmp_path):
    layers = eleven_layers()
    p = tmp_path / "sd.pt"
    tf.save(tf.state_dict([(f"{n}.{k}", a) for n, W, b in layers for k, a in (("weight", W), ("bias", b))]), p)
    net = load_network(p)
    assert net == expected([a for _, W, b in layers for a in (W, b)])
    sorted_names = sorted(n for n, _, _ in layers)              # fc1, fc10, fc11, fc2, ...
    assert sorted_names[1] == "fc10"
    by_name = {n: (W, b) for n, W, b in layers}
    assert net != expected([a for n in sorted_names for a in by_name[n]])


def test_item11_torch_state_dict_order_and_values(tmp_path):
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for i in range(1, 12):
                setattr(self, f"fc{i}", torch.nn.Linear(2, 2))

        def forward(self, x):
            for i in range(1, 11):
                x = torch.relu(getattr(self, f"fc{i}")(x))
            return self.fc11(x)
    m = Net().double()
    p = tmp_path / "fc.pt"
    torch.save(m.state_dict(), p)
    net = load_network(p)
    # independent cross-check: torch's own float64 forward pass against the exact network
    for x in ([0.25, -1.5], [3.0, 0.5], [-2.0, -0.75]):
        want = m(torch.tensor([x], dtype=torch.float64)).detach().numpy()[0]
        got = [float(v) for v in net.forward([Fraction(v) for v in x])]
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12)


# ---- what loads --------------------------------------------------------------------------

def test_item11_whole_sequential_loads(tmp_path):
    W1, b1, W2, b2, W3, b3 = dyadic((3, 2)), dyadic(3), dyadic((4, 3)), dyadic(4), dyadic((1, 4)), dyadic(1)
    seq = tf.module("Sequential", [tf.module("Linear", weight=W1, bias=b1), tf.module("ReLU", inplace=False),
                                   tf.module("Sequential", [tf.module("Linear", weight=W2, bias=b2),
                                                            tf.module("ReLU", inplace=False)]),
                                   tf.module("Linear", weight=W3, bias=b3)])
    p = tmp_path / "seq.pt"
    tf.save(seq, p)
    assert load_network(p) == expected([W1, b1, W2, b2, W3, b3])


@pytest.mark.parametrize("kind, dtype", [("DoubleStorage", np.float64), ("HalfStorage", np.float16),
                                         ("LongStorage", np.int64), ("IntStorage", np.int32)])
def test_item11_dtypes_load_exactly(tmp_path, kind, dtype):
    W = (RNG.integers(-9, 10, size=(3, 2)) / (4 if dtype in (np.float64, np.float16) else 1)).astype(dtype)
    b = np.arange(3).astype(dtype)
    p = tmp_path / "d.pt"
    tf.save(tf.state_dict([("weight", tf.Tensor(W, kind)), ("bias", tf.Tensor(b, kind))]), p)
    assert load_network(p) == expected([W, b])


def test_item11_views_and_big_endian(tmp_path):
    """A transposed view of a shared storage and a big-endian file read as the view says."""
    base = dyadic(12)
    st = tf.Storage(base)
    W = tf.Tensor(storage=st, offset=2, size=(3, 2), stride=(1, 3))      # columns of a 2x3 block
    b = tf.Tensor(storage=st, offset=9, size=(3,), stride=(1,))
    want = [base[2:8].reshape(2, 3).T.copy(), base[9:12]]
    for order in ("little", "big"):
        p = tmp_path / f"v-{order}.pt"
        tf.save(tf.state_dict([("l.weight", W), ("l.bias", b)]), p, byteorder=order)
        assert load_network(p) == expected(want)


def test_item11_loads_without_torch(tmp_path):
    """The reader imports nothing of torch: it works with torch made unimportable."""
    p = tmp_path / "sd.pt"
    tf.save(tf.state_dict([("0.weight", dyadic((2, 2))), ("0.bias", dyadic(2))]), p)
    code = ("import sys; sys.modules['torch'] = None\n"
            "from exactsym import load_network\n"
            f"print(load_network({str(p)!r}).architecture)\n"
            "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0 and r.stdout.strip() == "(2, 2)", r.stderr


def test_item11_writer_matches_torch(tmp_path):
    """tests/torchfmt.py writes what torch reads: its files give torch the same tensors."""
    torch = pytest.importorskip("torch")
    W, b = dyadic((3, 2)), dyadic(3)
    p = tmp_path / "fake.pt"
    tf.save(tf.state_dict([("a.weight", W), ("a.bias", b)]), p)
    sd = torch.load(p, weights_only=True)
    assert list(sd) == ["a.weight", "a.bias"]
    assert np.array_equal(sd["a.weight"].numpy(), W) and np.array_equal(sd["a.bias"].numpy(), b)
    seq = tf.module("Sequential", [tf.module("Linear", weight=W, bias=b)])
    tf.save(seq, tmp_path / "seq.pt")
    with torch.serialization.safe_globals([torch.nn.Sequential, torch.nn.Linear, set]):
        m = torch.load(tmp_path / "seq.pt", weights_only=True)
    assert np.array_equal(m[0].weight.detach().numpy(), W)


# ---- what is refused (exit 2, one line) ----------------------------------------------

def _act(kind, **extra):
    W, b = dyadic((2, 2)), dyadic(2)
    return tf.module("Sequential", [tf.module("Linear", weight=W, bias=b), tf.module(kind, **extra),
                                    tf.module("Linear", weight=W, bias=b)])


def _raw(pickled):
    return lambda p: tf.save(None, p, raw_pickle=pickled)


FAKE_CASES = {
    "tanh": (lambda p: tf.save(_act("Tanh"), p), "torch.nn.Tanh module"),
    "leaky_relu": (lambda p: tf.save(_act("LeakyReLU", negative_slope=0.01), p), "torch.nn.LeakyReLU module"),
    "batchnorm_module": (lambda p: tf.save(_act("BatchNorm1d"), p), "torch.nn.BatchNorm1d module"),
    "two_linear_in_a_row": (lambda p: tf.save(tf.module("Sequential", [tf.module("Linear", weight=dyadic((2, 2)),
                                                                                    bias=dyadic(2))] * 2), p),
                            "two Linear modules in a row"),
    "ends_with_relu": (lambda p: tf.save(tf.module("Sequential", [tf.module("Linear", weight=dyadic((2, 2)),
                                                                               bias=dyadic(2)), tf.module("ReLU")]), p),
                       "must start and end with Linear"),
    "no_bias_module": (lambda p: tf.save(tf.module("Sequential", [tf.module("Linear", weight=dyadic((2, 2)))]), p),
                       "no bias"),
    "sparse": (lambda p: tf.save(tf.state_dict([("w.weight", tf.Tensor(dyadic((2, 2)), rebuild="_rebuild_sparse_tensor")),
                                                ("w.bias", dyadic(2))]), p), "sparse tensor"),
    "meta_rebuild": (lambda p: tf.save(tf.state_dict([("w.weight", tf.Tensor(dyadic((2, 2)),
                                                                             rebuild="_rebuild_meta_tensor_no_storage")),
                                                      ("w.bias", dyadic(2))]), p), "meta tensor"),
    "meta_location": (lambda p: tf.save(tf.state_dict([("w.weight", tf.Tensor(storage=tf.Storage(dyadic(4), location="meta"),
                                                                              size=(2, 2), stride=(2, 1))),
                                                       ("w.bias", dyadic(2))]), p), "meta tensor"),
    "bool_tensor": (lambda p: tf.save(tf.state_dict([("w.weight", tf.Tensor(np.ones((2, 2), bool), "BoolStorage")),
                                                     ("w.bias", dyadic(2))]), p), "Bool tensor"),
    "batchnorm_keys": (lambda p: tf.save(tf.state_dict([("0.weight", dyadic((2, 2))), ("0.bias", dyadic(2)),
                                                        ("1.running_mean", dyadic(2))]), p), "1.running_mean"),
    "missing_bias": (lambda p: tf.save(tf.state_dict([("0.weight", dyadic((2, 2)))]), p), "no bias"),
    "view_out_of_bounds": (lambda p: tf.save(tf.state_dict([("w.weight", tf.Tensor(storage=tf.Storage(dyadic(4)),
                                                                                   size=(2, 2), stride=(3, 1))),
                                                            ("w.bias", dyadic(2))]), p), "reaches element"),
    "os_system": (_raw(b"cos\nsystem\n(S'touch PWNED'\ntR."), "os.system"),
    "builtins_eval": (_raw(pickle.dumps(eval, protocol=2)), "builtins.eval"),
    "custom_class": (_raw(b"\x80\x02c__main__\nNet\n)\x81."), "__main__.Net"),
    "not_a_dict": (lambda p: tf.save([1, 2], p), "holds a list"),
    "garbage_pickle": (_raw(b"\x80\x02garbage"), "malformed data.pkl"),
    # a bytearray declared 2^62 bytes long: the C unpickler would allocate it (MemoryError plus a
    # SystemError line on stderr); the opcode pre-scan refuses it without allocating
    "bytearray8_huge": (_raw(b"\x80\x05\x96" + (2**62).to_bytes(8, "little") + b"."), "malformed data.pkl"),
    "bytearray8_small": (_raw(b"\x80\x05\x96" + (1).to_bytes(8, "little") + b"x."), "BYTEARRAY8"),
}


@pytest.mark.parametrize("name", sorted(FAKE_CASES))
def test_item11_refused_with_one_line(tmp_path, run_cli, name, monkeypatch):
    make, words = FAKE_CASES[name]
    p = tmp_path / "bad.pt"
    make(p)
    monkeypatch.chdir(tmp_path)
    assert_bad(run_cli, tmp_path, ["info", p], [str(p)], [words])
    assert not (tmp_path / "PWNED").exists()


def test_item11_legacy_pickle_refused(tmp_path, run_cli):
    p = tmp_path / "old.pt"
    p.write_bytes(pickle.dumps(OrderedDict(a=1), protocol=2))
    assert_bad(run_cli, tmp_path, ["info", p], [str(p)], ["never unpickles"])


@pytest.mark.parametrize("what", ["tanh", "leaky", "sparse", "meta", "custom"])
def test_item11_real_torch_files_refused(tmp_path, run_cli, what):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    p = tmp_path / "t.pt"
    if what == "tanh":
        torch.save(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)), p)
        words = "Tanh"
    elif what == "leaky":
        torch.save(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(), nn.Linear(3, 1)), p)
        words = "LeakyReLU"
    elif what == "sparse":
        torch.save(OrderedDict([("w.weight", torch.eye(2).to_sparse()), ("w.bias", torch.zeros(2))]), p)
        words = "sparse"
    elif what == "meta":
        torch.save(OrderedDict([("w.weight", torch.empty(2, 2, device="meta")), ("w.bias", torch.zeros(2))]), p)
        words = "meta"
    else:
        torch.save(nn.Module(), p)
        words = "torch.nn.Module module"
    assert_bad(run_cli, tmp_path, ["info", p], [str(p)], [words])


def test_item11_real_torch_sequential_and_float32(tmp_path, run_cli):
    torch = pytest.importorskip("torch")
    seq = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    p = tmp_path / "s.pt"
    torch.save(seq, p)
    net = load_network(p)
    arrays = [t.detach().numpy() for t in (seq[0].weight, seq[0].bias, seq[2].weight, seq[2].bias)]
    assert net == expected(arrays)
    code, out, _ = run_cli("info", p, "--json")
    assert code == 0 and json.loads(out)["architecture"] == [3, 5, 2]
