"""O laço de treino do curso: ``fit`` com ``TrainConfig`` e o histórico ``History``.

A divisão de trabalho é a mesma em todos os capítulos: o *modelo* calcula, a
função de perda ``loss_fn(model, lote) -> escalar`` diz o que otimizar, o
*laço* treina (épocas, otimizador, corte do gradiente, barra de progresso,
validação) e os gráficos leem o histórico devolvido.

Os dados podem ser um ``DataLoader``, um ``Dataset`` do PyTorch (que o laço
embaralha e divide em lotes de ``config.batch_size``) ou qualquer iterável
reutilizável de tensores ou tuplas/listas/dicionários de tensores.

Fora do escopo: treino distribuído, precisão mista e *checkpoints* em disco.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from rnncourse.utils import set_seed

__all__ = ["History", "TrainConfig", "evaluate", "fit", "move_to"]

LossFn = Callable[[nn.Module, Any], torch.Tensor]

_OPTIMIZERS = ("adam", "adamw", "sgd")
_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """Hiperparâmetros do treino (padrões pensados para a CPU)."""

    epochs: int = 10  # passagens completas pelos dados de treino
    lr: float = 1e-3  # taxa de aprendizado inicial
    batch_size: int = 64  # tamanho do lote (só quando os dados são um Dataset)
    clip_norm: float | None = 1.0  # norma máxima do gradiente; None = sem corte
    weight_decay: float = 0.0  # decaimento de pesos (L2 no Adam e no SGD; desacoplado no AdamW)
    optimizer: str = "adam"  # "adam", "adamw" ou "sgd"
    momentum: float = 0.0  # momento (só no SGD)
    schedule: str = "constant"  # "constant" ou "cosine" (a taxa cai até 0 ao longo das épocas)
    seed: int | None = 0  # semente fixada no início do treino; None = não mexe nas sementes
    patience: int | None = None  # parada antecipada: épocas sem melhora na validação; None = nunca
    restore_best: bool = False  # ao final, volta aos pesos da melhor época de validação

    def __post_init__(self) -> None:
        if int(self.epochs) != self.epochs or self.epochs < 1:
            raise ValueError(f"epochs deve ser um inteiro >= 1, não {self.epochs!r}")
        if not self.lr > 0:
            raise ValueError(f"lr deve ser > 0, não {self.lr!r}")
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"batch_size deve ser um inteiro >= 1, não {self.batch_size!r}")
        if self.clip_norm is not None and not self.clip_norm > 0:
            raise ValueError(f"clip_norm deve ser > 0 ou None, não {self.clip_norm!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay deve ser >= 0, não {self.weight_decay!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"otimizador desconhecido {self.optimizer!r}: use um de {_OPTIMIZERS}")
        if self.schedule not in _SCHEDULES:
            raise ValueError(f"agenda desconhecida {self.schedule!r}: use uma de {_SCHEDULES}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience deve ser >= 1 ou None, não {self.patience!r}")


@dataclass
class History:
    """O que aconteceu em cada época de ``fit`` (listas com um valor por época).

    ``train_loss`` é a média da perda nos lotes de treino da época (com os
    pesos mudando ao longo dela); ``val_loss``, a perda na validação ao fim da
    época (vazia sem dados de validação). ``grad_norm`` e ``grad_norm_max``
    são a média e o máximo, na época, da norma do gradiente *antes* do
    corte; ``lr``, a taxa usada; ``epoch_time``, os segundos da época.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    grad_norm_max: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    stopped_early: bool = False

    def __len__(self) -> int:
        return len(self.train_loss)

    @property
    def epochs(self) -> list[int]:
        """Números das épocas, a partir de 1 (o eixo x dos gráficos)."""
        return list(range(1, len(self) + 1))

    @property
    def best_epoch(self) -> int | None:
        """Época (a partir de 1) de menor perda de validação; ``None`` sem validação."""
        if not self.val_loss:
            return None
        return min(range(len(self.val_loss)), key=self.val_loss.__getitem__) + 1

    @property
    def total_time(self) -> float:
        return float(sum(self.epoch_time))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def move_to(batch: Any, device: torch.device | str) -> Any:
    """Leva ao ``device`` os tensores de um lote (tensor, tupla, lista ou dicionário)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_to(v, device) for v in batch)
    return batch


def _batch_size(batch: Any) -> int:
    """Número de exemplos de um lote: a primeira dimensão do primeiro tensor."""
    if isinstance(batch, torch.Tensor):
        return batch.shape[0] if batch.ndim > 0 else 1
    if isinstance(batch, dict):
        return _batch_size(next(iter(batch.values())))
    if isinstance(batch, (list, tuple)) and batch:
        return _batch_size(batch[0])
    return 1


def _as_batches(data: Any, config: TrainConfig, shuffle: bool) -> Iterable:
    if isinstance(data, Dataset) and not isinstance(data, DataLoader):
        generator = None
        if config.seed is not None:
            generator = torch.Generator().manual_seed(config.seed)
        return DataLoader(data, batch_size=config.batch_size, shuffle=shuffle, generator=generator)
    if isinstance(data, Iterator):
        raise TypeError(
            "os dados são um iterador de uma passagem só (um gerador, por exemplo): "
            "passe uma lista de lotes, um Dataset ou um DataLoader, que podem ser "
            "percorridos a cada época"
        )
    return data


@torch.no_grad()
def evaluate(
    model: nn.Module, data: Any, loss_fn: LossFn, device: torch.device | str | None = None
) -> float:
    """Perda média de ``model`` em ``data``, com os lotes ponderados pelo tamanho.

    Roda em modo ``eval`` e sem gradiente; o modelo volta ao modo em que estava.
    """
    device = device if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for batch in data:
            n = _batch_size(batch)
            total += loss_fn(model, move_to(batch, device)).item() * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("os dados de avaliação não têm nenhum lote")
    return total / count


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=config.lr, weight_decay=config.weight_decay)


def fit(
    model: nn.Module,
    train_data: Any,
    *,
    loss_fn: LossFn,
    config: TrainConfig | None = None,
    val_data: Any = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> History:
    """Treina ``model`` (no lugar) minimizando ``loss_fn`` e devolve o ``History``.

    A cada lote: ``loss = loss_fn(model, lote)``, retropropagação, corte da
    norma do gradiente em ``config.clip_norm`` (se não for ``None``) e um
    passo do otimizador. Ao fim de cada época, se houver ``val_data``, mede a
    perda de validação com ``evaluate``.

    ``device=None`` usa o dispositivo onde o modelo já está; caso contrário o
    modelo e cada lote são levados a ``device``. Com ``config.seed`` não nulo,
    ``set_seed(config.seed)`` é chamado no início, de modo que o embaralhamento
    e o *dropout* se repetem de uma execução para outra (os pesos iniciais já
    foram sorteados quando o modelo foi criado: fixe a semente antes disso).
    """
    config = config if config is not None else TrainConfig()
    if config.seed is not None:
        set_seed(config.seed)
    if device is None:
        device = next(model.parameters()).device
    model.to(device)
    train_batches = _as_batches(train_data, config, shuffle=True)
    val_batches = _as_batches(val_data, config, shuffle=False) if val_data is not None else None
    if config.patience is not None and val_batches is None:
        raise ValueError("a parada antecipada (patience) precisa de val_data")
    if config.restore_best and val_batches is None:
        raise ValueError("restore_best precisa de val_data")

    optimizer = _make_optimizer(model, config)
    params = [p for p in model.parameters() if p.requires_grad]
    max_norm = config.clip_norm if config.clip_norm is not None else math.inf
    history = History()
    best_loss, best_state, bad_epochs = math.inf, None, 0

    bar = tqdm(range(config.epochs), desc="treino", unit="época", disable=not progress)
    for epoch in bar:
        if config.schedule == "cosine":
            lr = 0.5 * config.lr * (1 + math.cos(math.pi * epoch / config.epochs))
            for group in optimizer.param_groups:
                group["lr"] = lr
        start = time.perf_counter()
        model.train()
        loss_sum, n_seen, norms = 0.0, 0, []
        for batch in train_batches:
            batch = move_to(batch, device)
            loss = loss_fn(model, batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"a perda virou {loss.item()} na época {epoch + 1}: tente uma taxa de "
                    "aprendizado menor ou cortar o gradiente (clip_norm)"
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            # com max_norm = inf a função só mede a norma, sem cortar
            norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            optimizer.step()
            n = _batch_size(batch)
            loss_sum += loss.item() * n
            n_seen += n
            norms.append(float(norm))
        if n_seen == 0:
            raise ValueError("os dados de treino não têm nenhum lote")
        history.train_loss.append(loss_sum / n_seen)
        history.grad_norm.append(sum(norms) / len(norms))
        history.grad_norm_max.append(max(norms))
        history.lr.append(optimizer.param_groups[0]["lr"])
        postfix = {"treino": f"{history.train_loss[-1]:.4f}"}
        if val_batches is not None:
            val_loss = evaluate(model, val_batches, loss_fn, device)
            history.val_loss.append(val_loss)
            postfix["validação"] = f"{val_loss:.4f}"
            if val_loss < best_loss:
                best_loss, bad_epochs = val_loss, 0
                if config.restore_best:
                    best_state = copy.deepcopy(model.state_dict())
            else:
                bad_epochs += 1
        history.epoch_time.append(time.perf_counter() - start)
        bar.set_postfix(postfix)
        if config.patience is not None and bad_epochs >= config.patience:
            history.stopped_early = True
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
