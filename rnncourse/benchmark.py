"""Medir o custo de código numérico: tempo, expoente de crescimento e memória guardada.

Medir tempo numa máquina compartilhada (o CI, um notebook no Colab) é ruidoso:
outros processos roubam a CPU em rajadas. As escolhas daqui reduzem esse ruído:

- ``time_calls(calls)``: mede várias funções **intercaladas** (uma rodada passa
  por todas, depois outra rodada...), de modo que uma rajada de ruído atinja
  todas por igual; aquece antes de medir; repete cada chamada até somar pelo
  menos ``min_time`` segundos por medida; e resume as repetições pelo
  **mínimo** (a estimativa menos afetada por interrupções, a mesma escolha do
  módulo ``timeit``) ou pela mediana; o relógio pode ser o de parede ou o
  tempo de CPU do processo, que não conta o tempo cedido a outros programas.
- ``single_thread()``: um bloco ``with`` em que numpy (OpenBLAS/MKL), OpenMP e
  PyTorch usam uma única *thread*. Com dois núcleos disputados, várias
  *threads* em contas pequenas esperam umas pelas outras e o tempo medido passa
  a refletir a disputa, não o trabalho.
- ``power_law_fit(x, y)``: ajusta ``y = c * x**p`` por mínimos quadrados em
  escala log-log; o expoente ``p`` é a inclinação da reta no gráfico log-log.
- ``array_nbytes(obj)``: bytes dos arrays numpy distintos guardados numa
  estrutura (tuplas, listas, dicionários), cada array contado uma vez.

Fora do escopo: tempos de GPU (exigiriam sincronizar o dispositivo antes de
ler o relógio) e perfis detalhados (``cProfile``, ``torch.profiler``).
"""

from __future__ import annotations

import contextlib
import math
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["array_nbytes", "power_law_fit", "single_thread", "time_calls"]

_STATS = {"min": min, "median": statistics.median}


def time_calls(
    calls: Mapping[Hashable, Callable[[], Any]],
    repeats: int = 5,
    warmup: int = 1,
    min_time: float = 0.02,
    stat: str = "min",
    clock: Callable[[], float] = time.perf_counter,
) -> dict[Hashable, float]:
    """Tempo, em segundos por chamada, de cada função sem argumentos de ``calls``.

    Primeiro cada função roda ``warmup`` vezes (caches, alocações iniciais) e a
    última dessas chamadas calibra ``number``, o número de chamadas seguidas
    por medida, para que cada medida dure ao menos ``min_time`` segundos.
    Depois vêm ``repeats`` rodadas; em cada uma, todas as funções são medidas,
    na ordem de ``calls``. O resultado de cada chave é ``stat`` (``"min"`` ou
    ``"median"``) das ``repeats`` medidas, dividido por ``number``.

    ``clock`` é o relógio: o de parede (``time.perf_counter``, o padrão) ou o
    tempo de CPU do processo (``time.process_time``), que não conta os
    intervalos em que outros programas ocuparam o processador. Com uma só
    *thread* (``single_thread``), o tempo de CPU é a medida mais estável do
    trabalho feito numa máquina disputada.
    """
    if int(repeats) != repeats or repeats < 1:
        raise ValueError(f"repeats deve ser um inteiro >= 1, não {repeats!r}")
    if int(warmup) != warmup or warmup < 1:
        raise ValueError(f"warmup deve ser um inteiro >= 1 (ele calibra a medida), não {warmup!r}")
    if stat not in _STATS:
        raise ValueError(f"estatística desconhecida {stat!r}: use uma de {sorted(_STATS)}")
    if not calls:
        raise ValueError("calls está vazio: nada para medir")
    number = {}
    for key, fn in calls.items():
        for _ in range(warmup):
            start = clock()
            fn()
            elapsed = clock() - start
        number[key] = max(1, math.ceil(min_time / max(elapsed, 1e-9)))
    samples: dict[Hashable, list[float]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, fn in calls.items():
            start = clock()
            for _ in range(number[key]):
                fn()
            samples[key].append((clock() - start) / number[key])
    return {key: float(_STATS[stat](values)) for key, values in samples.items()}


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Bloco ``with`` em que BLAS, OpenMP e PyTorch usam uma só *thread*; restaura ao sair.

    Usa o ``threadpoolctl`` para as bibliotecas nativas (o BLAS do numpy e do
    torch, OpenMP) e ``torch.set_num_threads`` se o torch já foi importado.
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - import leve, só quando usado

    torch = sys.modules.get("torch")  # não importa o torch só por causa disto
    old_torch = torch.get_num_threads() if torch is not None else None
    try:
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(old_torch)


def power_law_fit(x: Iterable[float], y: Iterable[float]) -> tuple[float, float]:
    """Ajusta ``y ≈ c * x**p`` e devolve ``(p, c)``.

    É a reta de mínimos quadrados de ``log y`` contra ``log x``: ``p`` é a
    inclinação no gráfico log-log. Custo linear dá ``p ≈ 1``; quadrático, ``p ≈ 2``.
    """
    x = np.asarray(list(x), dtype=np.float64)
    y = np.asarray(list(y), dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"x e y devem ser sequências de mesmo tamanho; recebi {x.shape} e {y.shape}"
        )
    if x.size < 2 or np.unique(x).size < 2:
        raise ValueError("são precisos ao menos dois valores distintos de x para ajustar uma reta")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x e y devem ser positivos (o ajuste é feito nos logaritmos)")
    p, log_c = np.polyfit(np.log(x), np.log(y), deg=1)
    return float(p), float(np.exp(log_c))


def array_nbytes(obj: Any, exclude: Iterable[Any] = ()) -> int:
    """Soma de ``nbytes`` dos arrays numpy distintos em ``obj`` (tuplas, listas, dicts aninhados).

    Cada array (o mesmo objeto Python) conta uma vez, mesmo que apareça em
    vários lugares: por exemplo, o ``h`` de um passo é o ``h_prev`` do passo
    seguinte no cache da RNN. Os objetos em ``exclude`` (comparados por
    identidade, como o dicionário ``params`` dos pesos, que todo passo
    referencia) não são percorridos. Uma *view* conta os bytes que enxerga.
    """
    skip = {id(o) for o in exclude}
    seen: set[int] = set()
    total = 0
    stack = [obj]
    while stack:
        item = stack.pop()
        if id(item) in skip or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return total
