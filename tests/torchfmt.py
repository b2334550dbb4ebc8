"""A torch-free writer of ``torch.save``'s zip format, so the .pt reader is tested without torch.

It produces what ``torch.save`` produces (checked against real torch in
tests/test_torch_load.py when torch is installed): a zip with ``PREFIX/data.pkl``
(pickle protocol 2), ``PREFIX/byteorder``, ``PREFIX/version`` and ``PREFIX/data/KEY``
per storage. Tensors pickle as ``torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, requires_grad, OrderedDict())`` with the storage as the persistent id
``("storage", torch.FloatStorage, KEY, "cpu", numel)``. Module classes are stand-ins
whose ``__module__``/``__qualname__`` are torch's, so they pickle under torch's names.
"""
import contextlib
import io
import pickle
import sys
import types
import zipfile
from collections import OrderedDict

import numpy as np

DTYPES = {"FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2", "LongStorage": "<i8",
          "IntStorage": "<i4", "BoolStorage": "|b1"}


class Storage:
    def __init__(self, arr, kind="FloatStorage", location="cpu"):
        self.arr = np.ascontiguousarray(np.asarray(arr).reshape(-1), dtype=DTYPES[kind])
        self.kind, self.location = kind, location


class Tensor:
    """A dense tensor: a view ``(offset, size, stride)`` of a storage."""

    def __init__(self, arr=None, kind="FloatStorage", storage=None, offset=0, size=None, stride=None,
                 rebuild="_rebuild_tensor_v2", parameter=False):
        if storage is None:
            a = np.asarray(arr)
            storage = Storage(a, kind)
            size = tuple(a.shape)
            stride = tuple(int(np.prod(a.shape[i + 1:])) for i in range(a.ndim))
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.rebuild, self.parameter = rebuild, parameter

    def __reduce_ex__(self, proto):
        mods = sys.modules["torch._utils"]
        t = (getattr(mods, self.rebuild), (self.storage, self.offset, self.size, self.stride, False, OrderedDict()))
        if self.parameter:
            return (mods._rebuild_parameter, (_Reduced(t), True, OrderedDict()))
        return t


class _Reduced:
    def __init__(self, t):
        self.t = t

    def __reduce_ex__(self, proto):
        return self.t


_MODULES = {"Sequential": "torch.nn.modules.container", "Linear": "torch.nn.modules.linear",
            "ReLU": "torch.nn.modules.activation", "Tanh": "torch.nn.modules.activation",
            "LeakyReLU": "torch.nn.modules.activation", "BatchNorm1d": "torch.nn.modules.batchnorm"}


#: stand-in classes under torch's names (installed into the fake modules while pickling)
_CLASSES = {kind: type(kind, (), {"__module__": mod}) for kind, mod in _MODULES.items()}
_STORAGE_TYPES = {kind: type(kind, (), {"__module__": "torch"}) for kind in DTYPES}


def module(kind, children=None, weight=None, bias=None, **extra):
    """A stand-in module instance whose pickled form matches torch's (``__dict__`` state)."""
    cls = _CLASSES[kind]
    m = cls.__new__(cls)
    m.__dict__.update({"training": True, "_parameters": {}, "_buffers": {},
                       "_non_persistent_buffers_set": set(), "_backward_pre_hooks": OrderedDict(),
                       "_backward_hooks": OrderedDict(), "_is_full_backward_hook": None,
                       "_forward_hooks": OrderedDict(), "_forward_hooks_with_kwargs": OrderedDict(),
                       "_forward_pre_hooks": OrderedDict(), "_state_dict_hooks": OrderedDict(),
                       "_load_state_dict_pre_hooks": OrderedDict(), "_modules": OrderedDict()})
    if children is not None:
        m.__dict__["_modules"] = OrderedDict((str(i), c) for i, c in enumerate(children))
    if weight is not None:
        m.__dict__["_parameters"] = {"weight": Tensor(weight, "FloatStorage" if weight.dtype == np.float32
                                                      else "DoubleStorage", parameter=True),
                                     "bias": None if bias is None else
                                     Tensor(bias, "FloatStorage" if bias.dtype == np.float32 else "DoubleStorage",
                                            parameter=True)}
        m.__dict__.update(in_features=weight.shape[1], out_features=weight.shape[0])
    m.__dict__.update(extra)
    return m


@contextlib.contextmanager
def fake_torch():
    """Install stand-in ``torch`` modules for pickling only; restore ``sys.modules`` after."""
    names = ["torch", "torch._utils", "torch.nn", "torch.nn.modules", "torch.nn.modules.container",
             "torch.nn.modules.linear", "torch.nn.modules.activation", "torch.nn.modules.batchnorm"]
    saved = {n: sys.modules.get(n) for n in names}
    try:
        for n in names:
            sys.modules[n] = types.ModuleType(n)
        utils = sys.modules["torch._utils"]
        for f in ("_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_sparse_tensor",
                  "_rebuild_meta_tensor_no_storage"):
            fn = types.FunctionType((lambda *a: None).__code__, {}, f)
            fn.__module__, fn.__qualname__ = "torch._utils", f
            setattr(utils, f, fn)
        for kind, cls in _STORAGE_TYPES.items():
            setattr(sys.modules["torch"], kind, cls)
        for kind, mod in _MODULES.items():
            setattr(sys.modules[mod], kind, _CLASSES[kind])
        yield
    finally:
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m


class _Pickler(pickle.Pickler):
    def __init__(self, f):
        super().__init__(f, protocol=2)
        self.keys = {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            key = self.keys.setdefault(id(obj), (str(len(self.keys)), obj))[0]
            return ("storage", getattr(sys.modules["torch"], obj.kind), key, obj.location, obj.arr.size)
        return None


def save(obj, path, prefix="archive", byteorder="little", raw_pickle=None):
    """Write ``obj`` (made of Tensor, module(), OrderedDict, ...) as torch.save would."""
    with fake_torch():
        buf = io.BytesIO()
        p = _Pickler(buf)
        p.dump(obj)
        data = buf.getvalue() if raw_pickle is None else raw_pickle
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", data)
        z.writestr(f"{prefix}/byteorder", byteorder)
        for key, st in p.keys.values():
            arr = st.arr.byteswap() if byteorder == "big" else st.arr
            z.writestr(f"{prefix}/data/{key}", arr.tobytes())
        z.writestr(f"{prefix}/version", "3\n")


def state_dict(pairs):
    """An OrderedDict state_dict ``{name: Tensor}`` in the given order, with torch's ``_metadata``."""
    sd = OrderedDict((k, v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=np.float32)))
                     for k, v in pairs)
    sd._metadata = OrderedDict([("", {"version": 1})])
    return sd
