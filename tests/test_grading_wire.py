"""Os dados simples entre a resposta e o juiz (``rnncourse.grading.wire``).

Tudo o que é dado simples vai e volta igual (tipo, ``dtype``, forma, valores, NaN
inclusive); o que não é vira ``Opaque``; nada de ``pickle``; dados mal formados,
grandes demais ou "portáteis" vindos da submissão são recusados; o enquadramento
junta mensagens partidas e recusa um fluxo corrompido.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from rnncourse.grading import wire


def _roundtrip(obj, **kw):
    return wire.decode(json.loads(wire.dumps(wire.encode(obj, **kw))))


SAMPLES = [
    ("none", None),
    ("bool", True),
    ("int", -12345678901234567890),
    ("float", 1.5),
    ("nan", math.nan),
    ("inf", -math.inf),
    ("str", "ação ✔"),
    ("bytes", b"\x00\xff"),
    ("list", [1, "a", [2.5]]),
    ("tuple", (1, (2, 3))),
    ("dict-tuple-keys", {(".", "c"): 3, ("a", "b"): 1}),
    ("set", {1, 2, 3}),
    ("float64", np.linspace(-1, 1, 6).reshape(2, 3)),
    ("int64-empty", np.zeros((0, 4), dtype=np.int64)),
    ("complex", np.array([1 + 2j])),
    ("bool-array", np.array([True, False])),
    ("float32-scalar", np.float32(2.5)),
    ("int-scalar", np.int64(7)),
]


@pytest.mark.parametrize(("label", "obj"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_plain_data_round_trips_exactly(label, obj):
    back = _roundtrip(obj)
    assert type(back) is type(obj)
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        assert back.dtype == obj.dtype and np.shape(back) == np.shape(obj)
        np.testing.assert_array_equal(back, obj)
    elif isinstance(obj, float) and math.isnan(obj):
        assert math.isnan(back)
    else:
        assert back == obj


def test_tensors_keep_their_torch_dtype_and_module_state_comes_back_as_arrays():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_()
    back = _roundtrip(t)
    assert isinstance(back, torch.Tensor) and back.dtype == torch.float32
    assert torch.equal(back, t.detach()) and back.requires_grad
    snapshot = _roundtrip(torch.nn.Linear(2, 3))
    assert isinstance(snapshot, wire.ModuleSnapshot)
    assert set(snapshot.state) == {"weight", "bias"}


def test_subclasses_and_objects_lose_their_behaviour():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    back = _roundtrip(np.zeros(3).view(AlwaysEqual))
    assert type(back) is np.ndarray
    assert isinstance(_roundtrip(object()), wire.Opaque)
    assert isinstance(_roundtrip(lambda x: x), wire.Opaque)
    assert isinstance(_roundtrip(np.array([object()])), wire.Opaque)
    assert "Opaque" not in repr(_roundtrip(object()))


def test_generators_travel_as_state():
    rng = np.random.default_rng(3)
    rng.random(5)
    back = _roundtrip(rng)
    assert back.random() == rng.random()


@pytest.mark.parametrize(
    "node",
    [
        {"$": "array", "dtype": "|O8", "shape": [1], "b64": "AAAAAAAAAAA="},
        {"$": "array", "dtype": "<f8", "shape": [2], "b64": "AAAAAAAAAAA="},
        {"$": "array", "dtype": "<f8", "shape": [-1], "b64": ""},
        {"$": "portable", "factory": "os:system", "kwargs": {"$": "dict", "v": []}},
        {"$": "callback", "ref": 0, "repr": "f"},
        {"$": "rng", "bit_generator": "Evil", "state": None},
        {"$": "pickle", "v": "gASV"},
        {"cells": []},
    ],
    ids=["object", "size", "shape", "portable", "callback", "rng", "pickle", "plain-dict"],
)
def test_untrusted_decoding_refuses_what_is_not_plain_data(node):
    with pytest.raises(wire.WireError):
        wire.decode(node)


def test_size_limits_apply_both_ways():
    with pytest.raises(wire.WireError):
        wire.encode(np.zeros(1000), max_bytes=1000)
    with pytest.raises(wire.WireError):
        wire.decode(wire.encode(np.zeros(1000)), max_bytes=1000)


def test_frames_split_anywhere_are_reassembled_and_garbage_is_refused():
    chunks: list[bytes] = []
    for message in ({"a": 1}, {"b": [1, 2]}):
        wire.write_frame(chunks.append, message)
    data = b"".join(chunks)
    reader = wire.FrameReader()
    got = []
    for i in range(len(data)):
        got += reader.feed(data[i : i + 1])
    assert got == [{"a": 1}, {"b": [1, 2]}]
    with pytest.raises(wire.WireError):
        wire.FrameReader().feed(b"XXXX" + bytes(20))
    with pytest.raises(wire.WireError):
        wire.FrameReader(max_bytes=10).feed(b"RNNC" + (11).to_bytes(8, "big"))
    with pytest.raises(wire.WireError):
        wire.loads(b'{"x": NaN}')


def test_portable_objects_are_rebuilt_only_when_trusted():
    from rnncourse.grading.lista_04 import make_rnn

    rnn = make_rnn(2, 3, 1, seed=0)
    with torch.no_grad():
        rnn.weight_hh_l0.fill_(0.5)
    node = json.loads(wire.dumps(wire.encode(rnn, trusted=True)))
    twin = wire.decode(node, trusted=True)
    assert torch.equal(twin.weight_hh_l0, rnn.weight_hh_l0)
    with pytest.raises(wire.WireError):
        wire.decode(node)


def _all_cases():
    from rnncourse.grading.batch import default_source, hidden_specs
    from rnncourse.grading.core import LISTS, build_list

    for list_id in sorted(LISTS):
        lista = build_list(list_id)
        for qid, description, params in hidden_specs(default_source(list_id)):
            lista.adicionar_teste_oculto(qid, description, **params)
        for qid in lista.questions:
            for index, case in enumerate(lista.cases(qid)):
                yield pytest.param(case, id=f"{list_id}-{qid}-{index}")


@pytest.mark.parametrize("case", list(_all_cases()))
def test_every_case_of_every_list_travels_as_plain_data(case):
    """Na correção em lote, as entradas de cada caso vão ao processo da submissão e voltam.

    Vale para toda lista registrada em ``LISTS`` (as novas também): um objeto que não
    seja dado simples precisa de ``wire.portable`` (um ``nn.Module``) ou é uma função do
    corretor (calculada lá, por callback); nada vira ``Opaque`` no caminho.
    """
    args = case.make_args()
    registry: dict = {}
    node = json.loads(wire.dumps(wire.encode(list(args), callbacks=registry, trusted=True)))
    rebuilt = wire.decode(
        node, trusted=True, callback=lambda ref, text: wire.RemoteCallable(ref, text, None)
    )
    assert len(rebuilt) == len(args)
    for original, copy in zip(args, rebuilt, strict=True):
        assert not isinstance(copy, (wire.Opaque, wire.ModuleSnapshot))
        if callable(original) and not isinstance(original, torch.nn.Module):
            assert isinstance(copy, wire.RemoteCallable) or callable(copy)
    # e o que volta (o estado das entradas depois da chamada) se decodifica no corretor
    for original in args:
        wire.restore(original, wire.decode(json.loads(wire.dumps(wire.encode(original)))))
