"""Medidas de custo (rnncourse.benchmark): ajuste log-log, medição intercalada, threads e bytes."""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnncourse.benchmark import array_nbytes, power_law_fit, single_thread, time_calls
from rnncourse.rnn_numpy import rnn_forward


@pytest.mark.parametrize(("p", "c"), [(1.0, 2e-3), (2.0, 5.0), (0.5, 1.0), (-1.0, 3.0)])
def test_power_law_fit_recovers_exponent_and_coefficient(p, c):
    x = np.array([25, 50, 100, 200, 400], dtype=float)
    got_p, got_c = power_law_fit(x, c * x**p)
    assert got_p == pytest.approx(p, abs=1e-12)
    assert got_c == pytest.approx(c, rel=1e-10)


def test_power_law_fit_is_least_squares_in_logs():
    # pontos fora de uma reta: o ajuste é a reta de mínimos quadrados de log y contra log x
    x = np.array([1.0, 2.0, 4.0])
    y = np.array([1.0, 3.0, 4.0])
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    got_p, got_c = power_law_fit(x, y)
    assert got_p == pytest.approx(slope, rel=1e-12)
    assert got_c == pytest.approx(np.exp(intercept), rel=1e-12)


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1.0], [1.0], "dois valores"),
        ([2.0, 2.0], [1.0, 3.0], "dois valores"),
        ([1.0, 2.0], [1.0], "mesmo tamanho"),
        ([0.0, 2.0], [1.0, 2.0], "positivos"),
        ([1.0, 2.0], [1.0, -2.0], "positivos"),
    ],
    ids=["um-ponto", "x-repetido", "tamanhos", "x-zero", "y-negativo"],
)
def test_power_law_fit_rejects_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        power_law_fit(x, y)


def test_time_calls_orders_costs_and_interleaves():
    order = []

    def fast():
        order.append("fast")
        time.sleep(0.001)

    def slow():
        order.append("slow")
        time.sleep(0.02)

    times = time_calls({"fast": fast, "slow": slow}, repeats=3, warmup=1, min_time=0.0)
    assert set(times) == {"fast", "slow"}
    # time.sleep dorme pelo menos o pedido: o mínimo nunca fica abaixo dele
    assert times["slow"] >= 0.02
    assert times["fast"] >= 0.001
    assert times["slow"] > 3 * times["fast"]
    # aquecimento (1 de cada) e depois 3 rodadas intercaladas, 1 chamada por medida
    assert order == ["fast", "slow"] + ["fast", "slow"] * 3


def test_time_calls_calibrates_number_of_calls_per_measurement():
    count = {"n": 0}

    def tiny():
        count["n"] += 1

    time_calls({"tiny": tiny}, repeats=2, warmup=1, min_time=0.01)
    # uma chamada vazia leva microssegundos: cada medida precisa de muitas para somar 10 ms
    assert count["n"] > 100


def test_time_calls_median_and_errors():
    times = time_calls({"a": lambda: time.sleep(0.002)}, repeats=3, stat="median", min_time=0.0)
    assert times["a"] >= 0.002
    with pytest.raises(ValueError, match="estatística"):
        time_calls({"a": lambda: None}, stat="mean")
    with pytest.raises(ValueError, match="repeats"):
        time_calls({"a": lambda: None}, repeats=0)
    with pytest.raises(ValueError, match="warmup"):
        time_calls({"a": lambda: None}, warmup=0)
    with pytest.raises(ValueError, match="vazio"):
        time_calls({})


def test_single_thread_limits_blas_and_torch_and_restores():
    torch = pytest.importorskip("torch")
    from threadpoolctl import threadpool_info

    original = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        before = [info["num_threads"] for info in threadpool_info()]
        with single_thread():
            assert all(info["num_threads"] == 1 for info in threadpool_info())
            assert torch.get_num_threads() == 1
        assert [info["num_threads"] for info in threadpool_info()] == before
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)


def test_array_nbytes_counts_each_array_once_and_skips_excluded():
    a = np.zeros((3, 4))  # 96 bytes
    b = np.zeros(5, dtype=np.float32)  # 20 bytes
    big = np.zeros(1000)
    obj = [(a, b), {"x": a, "y": [b, (a,)]}, "texto", 3]
    assert array_nbytes(obj) == 96 + 20
    view = big[:10]  # uma view conta os bytes que enxerga
    assert array_nbytes((view, a)) == 80 + 96
    params = {"w": big}
    assert array_nbytes([(a, params), (b, params)], exclude=[params]) == 96 + 20
    assert array_nbytes([(a, params), (b, params)]) == 96 + 20 + 8000


@pytest.mark.parametrize("T", [1, 3, 10])
def test_array_nbytes_of_rnn_cache_is_linear_in_T(T):
    # o cache guarda x_t (view de X) e h_t de cada passo, mais h0: 8 B (T (D + H) + H) bytes
    B, D, H = 2, 3, 4
    rng = np.random.default_rng(0)
    params = {"weight_ih": rng.normal(size=(H, D)), "weight_hh": rng.normal(size=(H, H))}
    _, cache = rnn_forward(rng.normal(size=(B, T, D)), np.zeros((B, H)), params)
    assert array_nbytes(cache, exclude=[params]) == 8 * B * (T * (D + H) + H)
