"""rnncourse.series: as séries do statsmodels, a divisão no tempo, as janelas e as referências."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.series import (
    Standardizer,
    ar_forecast,
    co2_missing_months,
    fit_ar,
    load_co2,
    load_sunspots,
    mae,
    make_windows,
    naive_forecast,
    rmse,
    seasonal_naive_forecast,
    time_split,
)


def test_sunspots_are_the_yearly_series():
    years, values = load_sunspots()
    assert years.shape == values.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008 and np.all(np.diff(years) == 1)
    assert values.dtype == np.float64 and values.min() >= 0


def test_co2_is_monthly_without_gaps_and_interpolated():
    months, values = load_co2()
    assert len(months) == len(values) == 526
    assert np.all(np.isfinite(values))
    steps = np.diff(months.astype("datetime64[M]")).astype(int)
    assert np.all(steps == 1)  # um valor por mês, sem buracos
    assert co2_missing_months() == 5
    # um mês interpolado fica entre os vizinhos (a interpolação é linear no tempo)
    from statsmodels.datasets import co2

    monthly = co2.load_pandas().data["co2"].resample("MS").mean()
    k = int(np.flatnonzero(monthly.isna().to_numpy())[0])
    lo, hi = sorted((values[k - 1], values[k + 1]))
    assert lo <= values[k] <= hi


@pytest.mark.parametrize("n", [20, 309, 526], ids=["n20", "manchas", "co2"])
def test_time_split_is_ordered_and_covers_everything(n):
    n_train, n_trainval = time_split(n)
    assert 0 < n_train < n_trainval < n
    assert n - n_trainval == round(0.15 * n) and n_trainval - n_train == round(0.15 * n)


def test_time_split_rejects_bad_fractions():
    with pytest.raises(ValueError, match="somar menos que 1"):
        time_split(100, 0.5, 0.5)
    with pytest.raises(ValueError, match="curta"):
        time_split(3, 0.1, 0.1)


def test_standardizer_uses_only_what_it_was_fitted_on():
    values = np.arange(10.0)
    sc = Standardizer.fit(values[:5])  # 0..4: média 2, desvio sqrt(2)
    np.testing.assert_allclose([sc.mean, sc.std], [2.0, np.sqrt(2.0)], rtol=1e-12)
    z = sc.transform(values)
    np.testing.assert_allclose(z[:5].mean(), 0.0, atol=1e-12)
    assert z[-1] > 4  # o futuro fica fora da faixa do treino
    np.testing.assert_allclose(sc.inverse(z), values, rtol=1e-12)
    with pytest.raises(ValueError, match="constante"):
        Standardizer.fit(np.ones(4))


@pytest.mark.parametrize(
    ("window", "start", "stop", "horizon"),
    [(3, 0, 10, 1), (3, 5, 10, 1), (4, 2, 12, 3), (1, 0, 12, 2)],
    ids=["inicio", "meio", "horizonte3", "janela1"],
)
def test_make_windows_targets_follow_the_window(window, start, stop, horizon):
    series = np.arange(12.0) * 10
    X, Y = make_windows(series, window, start, stop, horizon)
    targets = np.arange(max(start, window), stop - horizon + 1)
    assert X.shape == (len(targets), window) and Y.shape == (len(targets), horizon)
    for k, t in enumerate(targets):
        np.testing.assert_array_equal(X[k], series[t - window : t])
        np.testing.assert_array_equal(Y[k], series[t : t + horizon])
    assert Y.max() <= series[stop - 1]  # nenhum alvo passa de stop


def test_make_windows_rejects_impossible_requests():
    with pytest.raises(ValueError, match="nenhum alvo"):
        make_windows(np.arange(5.0), 5, 0, 5)
    with pytest.raises(ValueError, match="fora da série"):
        make_windows(np.arange(5.0), 2, 0, 6)


def test_baselines_on_a_known_series():
    series = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    X, Y = make_windows(series, 3, 0, 8)
    np.testing.assert_array_equal(naive_forecast(X), series[2:7])
    np.testing.assert_array_equal(seasonal_naive_forecast(X, 2), series[1:6])
    with pytest.raises(ValueError, match="período"):
        seasonal_naive_forecast(X, 4)
    # uma reta é prevista exatamente por um AR com intercepto
    w = fit_ar(X, Y[:, 0])
    np.testing.assert_allclose(ar_forecast(X, w), Y[:, 0], rtol=0, atol=1e-9)


def test_fit_ar_recovers_the_coefficients_of_an_ar2_process():
    rng = np.random.default_rng(0)
    x = np.zeros(4000)
    for t in range(2, len(x)):
        x[t] = 0.6 * x[t - 1] - 0.3 * x[t - 2] + 0.5 + 0.1 * rng.normal()
    X, Y = make_windows(x, 2, 0, len(x))
    w = fit_ar(X, Y[:, 0])  # janela em ordem do tempo: x_{t-2}, x_{t-1}
    np.testing.assert_allclose(w, [-0.3, 0.6, 0.5], atol=0.03)


def test_metrics():
    y, p = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    assert mae(y, p) == pytest.approx(4 / 3)
    assert rmse(y, p) == pytest.approx(np.sqrt(10 / 3))
