"""Estilo dos gráficos do curso, curvas de treino e o diagrama da RNN desdobrada.

- ``use_style()``: o único estilo do curso (paleta Okabe-Ito, segura para
  daltônicos; tamanhos legíveis; grade discreta).
- ``plot_history(history)``: perda de treino e de validação por época, com
  rótulos em português.
- ``draw_unrolled_rnn(T)``: a RNN "dobrada" (com o laço recorrente) e
  desdobrada em ``T`` passos, desenhada com *patches* e setas do matplotlib,
  para que qualquer capítulo a reutilize.

Os números dos eixos seguem a convenção do texto (``rnncourse.format_number``):
vírgula decimal e espaço fino nos milhares a partir de 5 dígitos. ``use_style`` troca
a saída do ``ScalarFormatter`` do matplotlib (o formatador padrão dos eixos lineares e
das barras de cores); os outros formatadores (log, porcentagem, rótulos fixos) ficam
como estão.

Fora do escopo: diagramas das células LSTM/GRU e de atenção (ficam com os
capítulos que os explicam).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator, ScalarFormatter

__all__ = ["OKABE_ITO", "STYLE", "draw_unrolled_rnn", "plot_history", "pt_br_tick", "use_style"]

#: paleta de Okabe e Ito (2008), distinguível por pessoas com daltonismo
OKABE_ITO: dict[str, str] = {
    "azul": "#0072B2",
    "laranja": "#E69F00",
    "verde": "#009E73",
    "vermelhão": "#D55E00",
    "azul-celeste": "#56B4E9",
    "roxo-avermelhado": "#CC79A7",
    "amarelo": "#F0E442",
    "preto": "#000000",
}

#: parâmetros do matplotlib aplicados por ``use_style``
STYLE: dict[str, Any] = {
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO.values())),
    "image.cmap": "viridis",  # mapa de cores perceptualmente uniforme e seguro para daltônicos
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "lines.linewidth": 2.0,
    "lines.markersize": 5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


_THIN_SPACE = "\u202f"  # espaço fino sem quebra, o mesmo de format_number
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")
_SCALAR_FORMATTER: dict[str, Any] = {}


def pt_br_tick(text: str) -> str:
    """Um rótulo de eixo na convenção do curso: ``"0.25"`` → ``"0,25"``, ``"12000"`` →
    ``"12 000"`` (espaço fino). Em texto matemático (entre ``$``), a vírgula vira ``{,}``,
    para o mathtext não pôr um espaço depois dela, e os milhares ficam sem espaço."""
    math = "$" in text

    def fix(match: re.Match) -> str:
        integer, fraction = match.group(1), match.group(2)
        if not math and len(integer) >= 5:
            integer = f"{int(integer):,}".replace(",", _THIN_SPACE)
        if fraction is None:
            return integer
        return integer + ("{,}" if math else ",") + fraction

    return _NUMBER.sub(fix, text)


def _install_decimal_comma() -> None:
    if _SCALAR_FORMATTER:  # uma vez só, por mais que use_style seja chamada
        return
    _SCALAR_FORMATTER["call"] = original_call = ScalarFormatter.__call__
    _SCALAR_FORMATTER["offset"] = original_offset = ScalarFormatter.get_offset

    def __call__(self, x, pos=None):
        return pt_br_tick(original_call(self, x, pos))

    def get_offset(self):
        return pt_br_tick(original_offset(self))

    ScalarFormatter.__call__ = __call__
    ScalarFormatter.get_offset = get_offset


def use_style() -> None:
    """Aplica o estilo do curso a todos os gráficos seguintes (``matplotlib.rcParams``).

    Também põe os números dos eixos lineares na convenção do texto (vírgula decimal,
    espaço fino nos milhares): ver ``pt_br_tick``.
    """
    mpl.rcParams.update(STYLE)
    _install_decimal_comma()


def _series(history: Any, name: str) -> list[float]:
    if isinstance(history, Mapping):
        return list(history.get(name, []))
    return list(getattr(history, name, []))


def plot_history(
    history: Any,
    ax: Axes | None = None,
    *,
    scale: float = 1.0,
    ylabel: str = "perda (entropia cruzada)",
    title: str | None = None,
    mark_best: bool = True,
) -> Axes:
    """Curvas de perda de treino e de validação por época; devolve o ``Axes``.

    ``history`` é um ``rnncourse.History`` (ou um dicionário com as chaves
    ``train_loss`` e, opcionalmente, ``val_loss``). ``scale`` multiplica as
    perdas: por exemplo, ``1 / math.log(2)`` converte nats em bits. Com
    ``mark_best``, uma linha tracejada marca a época de menor perda de validação.
    """
    train = [v * scale for v in _series(history, "train_loss")]
    val = [v * scale for v in _series(history, "val_loss")]
    if not train:
        raise ValueError("o histórico não tem nenhuma época de treino para desenhar")
    if ax is None:
        _, ax = plt.subplots()
    epochs = range(1, len(train) + 1)
    ax.plot(epochs, train, marker="o", label="treino")
    if val:
        ax.plot(range(1, len(val) + 1), val, marker="s", label="validação")
        if mark_best:
            best = min(range(len(val)), key=val.__getitem__) + 1
            ax.axvline(best, color="gray", linestyle="--", linewidth=1, label="melhor época")
    ax.set_xlabel("época")
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return ax


# --- diagrama da RNN -------------------------------------------------------------------

_NODE_W, _NODE_H = 0.9, 0.6  # largura e altura de cada caixa, em unidades de dados
_ROW_Y = {"x": -1.5, "h": 0.0, "y": 1.5}  # entrada embaixo, estado no meio, saída em cima
_ROW_COLOR = {"x": OKABE_ITO["azul-celeste"], "h": OKABE_ITO["laranja"], "y": OKABE_ITO["verde"]}


def _node(ax: Axes, x: float, row: str, label: str) -> FancyBboxPatch:
    box = FancyBboxPatch(
        (x - _NODE_W / 2, _ROW_Y[row] - _NODE_H / 2),
        _NODE_W,
        _NODE_H,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=_ROW_COLOR[row],
        edgecolor="black",
        linewidth=1.2,
        alpha=0.9,
    )
    ax.add_patch(box)
    ax.text(x, _ROW_Y[row], label, ha="center", va="center", fontsize=13)
    return box


def _arrow(ax: Axes, start, end, label: str | None = None, label_xy=None, **kw) -> None:
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.4, color="black", **kw
    )
    ax.add_patch(arrow)
    if label is not None:
        ax.text(*label_xy, label, ha="center", va="center", fontsize=11)


def draw_unrolled_rnn(T: int = 4, ax: Axes | None = None, folded: bool = True) -> Axes:
    """Desenha a RNN dobrada (com o laço) e desdobrada em ``T`` passos; devolve o ``Axes``.

    Cada passo ``t`` tem a entrada ``x_t``, o estado oculto ``h_t`` e a saída
    ``ŷ_t``; as setas levam os nomes das matrizes (``W_ih``, ``W_hh``,
    ``W_hy``), as *mesmas* em todos os passos: é o compartilhamento de
    parâmetros. Com ``folded=False`` só a versão desdobrada é desenhada.
    """
    if int(T) != T or T < 1:
        raise ValueError(f"T deve ser um inteiro >= 1, não {T!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.0 + 1.9 * (T + 1) + (3.7 if folded else 0), 3.6))
    gap_v = _NODE_H / 2 + 0.05  # folga entre a ponta da seta e a caixa
    x0 = 0.0
    if folded:
        # versão dobrada: uma única célula, com o laço de h para ele mesmo
        _node(ax, x0, "x", r"$x_t$")
        _node(ax, x0, "h", r"$h_t$")
        _node(ax, x0, "y", r"$\hat{y}_t$")
        _arrow(ax, (x0, _ROW_Y["x"] + gap_v), (x0, -gap_v), r"$W_{ih}$", (x0 - 0.45, -0.75))
        _arrow(ax, (x0, gap_v), (x0, _ROW_Y["y"] - gap_v), r"$W_{hy}$", (x0 - 0.45, 0.75))
        # o laço: uma curva de Bézier que sai pela direita de h e volta a ele
        right = x0 + _NODE_W / 2 + 0.03
        loop = Path(
            [(right, 0.18), (right + 0.9, 0.75), (right + 0.9, -0.75), (right, -0.18)],
            [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
        )
        ax.add_patch(
            FancyArrowPatch(
                path=loop, arrowstyle="-|>", mutation_scale=14, linewidth=1.4, color="black"
            )
        )
        ax.text(right + 0.45, 0.72, r"$W_{hh}$", ha="center", va="center", fontsize=11)
        _arrow(ax, (x0 + 1.6, 0.0), (x0 + 2.7, 0.0), "desdobrar", (x0 + 2.15, 0.3))
        x0 += 3.7
    # versão desdobrada: h_0 e depois uma coluna por passo
    _node(ax, x0, "h", r"$h_0$")
    step = 1.9
    for t in range(1, T + 1):
        xt = x0 + step * t
        _node(ax, xt, "x", rf"$x_{{{t}}}$")
        _node(ax, xt, "h", rf"$h_{{{t}}}$")
        _node(ax, xt, "y", rf"$\hat{{y}}_{{{t}}}$")
        _arrow(ax, (xt, _ROW_Y["x"] + gap_v), (xt, -gap_v), r"$W_{ih}$", (xt - 0.45, -0.75))
        _arrow(ax, (xt, gap_v), (xt, _ROW_Y["y"] - gap_v), r"$W_{hy}$", (xt - 0.45, 0.75))
        prev = xt - step
        _arrow(
            ax,
            (prev + _NODE_W / 2 + 0.03, 0.0),
            (xt - _NODE_W / 2 - 0.03, 0.0),
            r"$W_{hh}$",
            ((prev + xt) / 2, 0.3),
        )
    left = -_NODE_W if folded else x0 - _NODE_W
    ax.set_xlim(left, x0 + step * T + _NODE_W)
    ax.set_ylim(_ROW_Y["x"] - _NODE_H, _ROW_Y["y"] + _NODE_H)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
