"""Diagrama do codificador–decodificador, com e sem atenção, desenhado com o matplotlib.

``draw_encoder_decoder(source, target, attention)`` desenha, da esquerda para a direita:

- o **codificador**: um caractere da entrada por coluna (embaixo) e os estados ``h_1 ... h_S``
  (no meio), ligados pela recorrência;
- o **decodificador**: as entradas ``<s>, y_1, ..., y_{T-1}`` (embaixo), os estados
  ``s_1 ... s_T`` e as saídas ``y_1, ..., y_T = </s>`` (no alto). O último estado do
  codificador é o estado inicial do decodificador; a seta tracejada leva cada saída à entrada
  do passo seguinte (no treino, com o forçamento do professor, entra o símbolo correto);
- com ``attention=True``, o vetor de contexto ``c_t`` de um passo do decodificador, ligado a
  **todos** os estados do codificador por linhas cuja espessura é o peso de atenção
  (``weights``, ilustrativos se não forem dados).

Segue a arquitetura de ``rnncourse.seq2seq`` (a consulta da atenção é o estado ``s_t``). As
cores vêm da paleta de ``rnncourse.plotting``. Fora do escopo: desenhar pesos aprendidos de um
modelo (o capítulo usa mapas de calor para isso) e codificadores bidirecionais.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from rnncourse.plotting import OKABE_ITO

__all__ = ["draw_encoder_decoder"]

_W, _H = 0.8, 0.55  # caixa de um nó, em unidades de dados
_STEP = 1.15  # distância entre colunas do codificador
_DEC_STEP = 1.5  # no decodificador, com folga para a seta tracejada e o contexto
_Y = {"in": -1.6, "state": 0.0, "out": 2.0}
_COLORS = {
    "in": OKABE_ITO["azul-celeste"],
    "enc": OKABE_ITO["laranja"],
    "dec": OKABE_ITO["roxo-avermelhado"],
    "out": OKABE_ITO["verde"],
    "ctx": OKABE_ITO["amarelo"],
}


def _box(ax: Axes, x: float, y: float, label: str, color: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - _W / 2, y - _H / 2),
            _W,
            _H,
            boxstyle="round,pad=0.02,rounding_size=0.1",
            facecolor=color,
            edgecolor="black",
            linewidth=1.1,
            alpha=0.9,
        )
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=11)


def _arrow(ax: Axes, start, end, **kw) -> None:
    style = {"arrowstyle": "-|>", "mutation_scale": 12, "linewidth": 1.2, "color": "black"}
    ax.add_patch(FancyArrowPatch(start, end, **(style | kw)))


def _char(ch: str) -> str:
    return "␣" if ch == " " else ch


def draw_encoder_decoder(
    source: str = "dez",
    target: str = "10",
    attention: bool = False,
    weights: Sequence[float] | None = None,
    attend_step: int = 1,
    ax: Axes | None = None,
) -> Axes:
    """Desenha o codificador–decodificador para o par ``source -> target``; devolve o ``Axes``.

    ``attention=True`` acrescenta o contexto do passo ``attend_step`` do decodificador (contado
    a partir de 1), com linhas de espessura ``weights`` (um peso por caractere da entrada, que
    deve somar 1); sem ``weights``, pesos ilustrativos concentrados no caractere de mesma
    posição.
    """
    if len(source) == 0 or len(target) == 0:
        raise ValueError("source e target devem ter ao menos um caractere")
    S, T = len(source), len(target) + 1  # o decodificador ainda emite </s>
    if not 1 <= attend_step <= T:
        raise ValueError(f"attend_step deve estar entre 1 e {T}, não {attend_step}")
    if weights is None:
        center = min(attend_step - 1, S - 1)
        raw = np.exp(-1.5 * np.abs(np.arange(S) - center))
        weights = raw / raw.sum()
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (S,) or np.any(weights < 0) or abs(weights.sum() - 1) > 1e-6:
        raise ValueError(f"weights deve ter {S} valores não negativos que somam 1")
    if ax is None:
        width = _STEP * (S + 1.6) + _DEC_STEP * T
        _, ax = plt.subplots(figsize=(0.95 * width, 4.4))
    gap = _H / 2 + 0.04

    # codificador
    enc_x = [i * _STEP for i in range(S)]
    for i, (x, ch) in enumerate(zip(enc_x, source, strict=True)):
        _box(ax, x, _Y["in"], _char(ch), _COLORS["in"])
        _box(ax, x, _Y["state"], f"$h_{{{i + 1}}}$", _COLORS["enc"])
        _arrow(ax, (x, _Y["in"] + gap), (x, _Y["state"] - gap))
        if i > 0:
            _arrow(ax, (enc_x[i - 1] + _W / 2 + 0.03, 0.0), (x - _W / 2 - 0.03, 0.0))

    # decodificador
    x0 = enc_x[-1] + 1.6 * _STEP
    dec_x = [x0 + t * _DEC_STEP for t in range(T)]
    inputs = ["<s>", *(_char(c) for c in target)]
    outputs = [*(_char(c) for c in target), "</s>"]
    for t, x in enumerate(dec_x):
        _box(ax, x, _Y["in"], inputs[t], _COLORS["in"])
        _box(ax, x, _Y["state"], f"$s_{{{t + 1}}}$", _COLORS["dec"])
        _box(ax, x, _Y["out"], outputs[t], _COLORS["out"])
        _arrow(ax, (x, _Y["in"] + gap), (x, _Y["state"] - gap))
        _arrow(ax, (x, _Y["state"] + gap), (x, _Y["out"] - gap))
        if t > 0:
            _arrow(ax, (dec_x[t - 1] + _W / 2 + 0.03, 0.0), (x - _W / 2 - 0.03, 0.0))
        if t < T - 1:  # a saída de um passo é a entrada do seguinte
            _arrow(
                ax,
                (x + _W / 2, _Y["out"] - 0.1),
                (dec_x[t + 1] - _W / 2, _Y["in"] + 0.1),
                linestyle=(0, (3, 2)),
                color="gray",
            )
    # o estado final do codificador é o estado inicial do decodificador
    _arrow(
        ax,
        (enc_x[-1] + _W / 2 + 0.03, 0.0),
        (dec_x[0] - _W / 2 - 0.03, 0.0),
        linewidth=2.6,
        color=OKABE_ITO["vermelhão"],
    )
    ax.text(
        (enc_x[-1] + dec_x[0]) / 2,
        -0.5,
        "estado\nfinal",
        ha="center",
        va="top",
        fontsize=9,
        color=OKABE_ITO["vermelhão"],
    )

    top = _Y["out"] + _H
    if attention:
        xt = dec_x[attend_step - 1]
        cx, cy = xt - _DEC_STEP / 2, 1.0  # entre as colunas, entre os estados e as saídas
        for x, w in zip(enc_x, weights, strict=True):
            ax.plot(
                [x, cx - 0.25], [gap, cy], color=OKABE_ITO["azul"], linewidth=0.4 + 6 * w, alpha=0.8
            )
        ax.add_patch(Circle((cx, cy), 0.27, facecolor=_COLORS["ctx"], edgecolor="black", zorder=3))
        ax.text(cx, cy, f"$c_{{{attend_step}}}$", ha="center", va="center", fontsize=11, zorder=4)
        _arrow(ax, (xt - _W / 2, gap - 0.05), (cx + 0.12, cy - 0.26), color=OKABE_ITO["azul"])
        _arrow(ax, (cx + 0.2, cy + 0.2), (xt - _W / 2 + 0.05, _Y["out"] - _H / 2))
        ax.text(
            (enc_x[-1] + cx) / 2,
            (gap + cy) / 2 + 0.3,
            "atenção",
            ha="center",
            va="bottom",
            fontsize=10,
            color=OKABE_ITO["azul"],
        )
    ax.text((enc_x[0] + enc_x[-1]) / 2, top + 0.15, "codificador", ha="center", fontsize=12)
    ax.text((dec_x[0] + dec_x[-1]) / 2, top + 0.15, "decodificador", ha="center", fontsize=12)
    ax.set_xlim(enc_x[0] - _W, dec_x[-1] + _W)
    ax.set_ylim(_Y["in"] - _H, top + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
