"""Séries temporais reais para previsão: carregar, dividir no tempo, janelar e as referências.

O capítulo 8 prevê duas séries que vêm dentro do ``statsmodels`` (nada é baixado):

- ``load_sunspots``: o número anual de manchas solares, 1700–2008 (309 valores);
- ``load_co2``: o CO2 atmosférico de Mauna Loa, semanal de 1958 a 2001 com semanas faltando,
  reamostrado para **médias mensais**; os meses sem nenhuma semana medida são preenchidos por
  interpolação linear no tempo entre os meses vizinhos (``co2_missing_months`` diz quantos).

As funções de dados trabalham com arrays do numpy em ``float64``:

- ``time_split``: as fronteiras de treino, validação e teste, **em ordem no tempo**;
- ``Standardizer``: média e desvio-padrão tirados **só** do treino (o capítulo mostra o
  vazamento que aparece quando a série inteira entra nessas contas);
- ``make_windows``: para cada alvo ``t`` num intervalo, a janela dos ``window`` valores
  anteriores e os ``horizon`` valores seguintes;
- as previsões de referência um passo à frente: ``naive_forecast`` (o último valor),
  ``seasonal_naive_forecast`` (o valor de uma estação atrás) e o autorregressivo linear
  ajustado por mínimos quadrados (``fit_ar`` e ``ar_forecast``);
- ``mae`` e ``rmse``, nas unidades em que os argumentos estiverem.

Fora do escopo: as redes neurais (ficam no capítulo, com ``torch.nn``), diferenciação
sazonal, modelos ARIMA e intervalos de previsão.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Standardizer",
    "ar_forecast",
    "co2_missing_months",
    "fit_ar",
    "load_co2",
    "load_sunspots",
    "mae",
    "make_windows",
    "naive_forecast",
    "rmse",
    "seasonal_naive_forecast",
    "time_split",
]


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Manchas solares anuais (``statsmodels.datasets.sunspots``): ``(anos, valores)``."""
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    years = data["YEAR"].to_numpy(dtype=np.int64)
    values = data["SUNACTIVITY"].to_numpy(dtype=np.float64)
    return years, values


def _co2_monthly():
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean()  # média das semanas medidas em cada mês
    return monthly


def co2_missing_months() -> int:
    """Quantos meses da série de CO2 não têm nenhuma semana medida (e são interpolados)."""
    return int(_co2_monthly().isna().sum())


def load_co2() -> tuple[np.ndarray, np.ndarray]:
    """CO2 de Mauna Loa em médias mensais (ppm): ``(meses, valores)``.

    ``meses`` é um array ``datetime64[D]`` (o primeiro dia de cada mês). Um mês sem semanas
    medidas recebe a interpolação linear entre os meses vizinhos (``interpolate(method="time")``
    do pandas).
    """
    monthly = _co2_monthly().interpolate(method="time")
    months = monthly.index.to_numpy().astype("datetime64[D]")
    return months, monthly.to_numpy(dtype=np.float64)


def time_split(n: int, val_frac: float = 0.15, test_frac: float = 0.15) -> tuple[int, int]:
    """Fronteiras ``(n_train, n_trainval)``: treino ``[0, n_train)``, validação
    ``[n_train, n_trainval)`` e teste ``[n_trainval, n)``, nessa ordem no tempo."""
    if not (0 < val_frac < 1 and 0 < test_frac < 1 and val_frac + test_frac < 1):
        raise ValueError("val_frac e test_frac devem estar em (0, 1) e somar menos que 1")
    n_test = int(round(n * test_frac))
    n_val = int(round(n * val_frac))
    n_train = n - n_val - n_test
    if min(n_train, n_val, n_test) < 1:
        raise ValueError(f"série curta demais ({n} valores) para três partes")
    return n_train, n_train + n_val


@dataclass(frozen=True)
class Standardizer:
    """Padronização ``z = (x - mean) / std`` com estatísticas de um trecho (o de treino)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray) -> Standardizer:
        """Calcula média e desvio-padrão (populacional) de ``values``: passe SÓ o treino."""
        values = np.asarray(values, dtype=np.float64)
        std = float(values.std())
        if not std > 0:
            raise ValueError("o trecho de ajuste é constante: desvio-padrão zero")
        return cls(float(values.mean()), std)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def make_windows(
    series: np.ndarray, window: int, start: int, stop: int, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Janelas e alvos para os instantes ``t`` em ``[start, stop)``.

    Devolve ``X`` de forma ``(N, window)``, com ``X[k] = series[t - window : t]`` (o passado,
    sem o instante ``t``), e ``Y`` de forma ``(N, horizon)``, com
    ``Y[k] = series[t : t + horizon]``; só entram os ``t`` com ``t - window >= 0`` e
    ``t + horizon <= stop``, para que nenhum alvo passe de ``stop``.
    """
    series = np.asarray(series, dtype=np.float64)
    if window < 1 or horizon < 1:
        raise ValueError("window e horizon devem ser >= 1")
    if not 0 <= start <= stop <= len(series):
        raise ValueError(f"intervalo [{start}, {stop}) fora da série de {len(series)} valores")
    targets = np.arange(max(start, window), stop - horizon + 1)
    if len(targets) == 0:
        raise ValueError("nenhum alvo cabe no intervalo com essa janela e esse horizonte")
    X = np.stack([series[t - window : t] for t in targets])  # (N, window)
    Y = np.stack([series[t : t + horizon] for t in targets])  # (N, horizon)
    return X, Y


def naive_forecast(X: np.ndarray) -> np.ndarray:
    """Previsão ingênua: o próximo valor é o último da janela. ``X (N, window) -> (N,)``."""
    return np.asarray(X, dtype=np.float64)[:, -1].copy()


def seasonal_naive_forecast(X: np.ndarray, period: int) -> np.ndarray:
    """Ingênua sazonal: o valor de ``period`` passos atrás (precisa de ``window >= period``)."""
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] < period:
        raise ValueError(f"a janela ({X.shape[1]}) é menor que o período ({period})")
    return X[:, -period].copy()


def fit_ar(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Autorregressivo linear por mínimos quadrados: ``y ≈ X @ w[:-1] + w[-1]``.

    ``X (N, p)`` são as janelas e ``y (N,)`` os alvos do TREINO; devolve ``w`` de forma
    ``(p + 1,)``, com o intercepto no fim (``np.linalg.lstsq``).
    """
    X = np.asarray(X, dtype=np.float64)
    A = np.hstack([X, np.ones((len(X), 1))])
    w, *_ = np.linalg.lstsq(A, np.asarray(y, dtype=np.float64).reshape(-1), rcond=None)
    return w


def ar_forecast(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Previsão do autorregressivo de ``fit_ar``: ``X (N, p) -> (N,)``."""
    return np.asarray(X, dtype=np.float64) @ w[:-1] + w[-1]


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Erro absoluto médio, nas unidades dos argumentos."""
    diff = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(np.abs(diff)))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Raiz do erro quadrático médio, nas unidades dos argumentos."""
    diff = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.sqrt(np.mean(diff**2)))
