"""O laço de treino: configuração, histórico, corte do gradiente, determinismo e dados."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from rnncourse.training import History, TrainConfig, evaluate, fit, move_to


def mse(model: nn.Module, batch) -> torch.Tensor:
    x, y = batch
    return F.mse_loss(model(x), y)


def _regression(n: int = 64, seed: int = 0) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return TensorDataset(x, y)


def _linear(seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(3, 1)


# --- TrainConfig ---------------------------------------------------------------------


def test_config_is_frozen_with_cpu_defaults():
    config = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 1.0  # type: ignore[misc]
    assert config.clip_norm is not None and config.clip_norm > 0
    assert dataclasses.replace(config, epochs=3).epochs == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"lr": 0.0}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"clip_norm": -1.0}, "clip_norm"),
        ({"weight_decay": -0.1}, "weight_decay"),
        ({"optimizer": "lbfgs"}, "otimizador"),
        ({"schedule": "step"}, "agenda"),
        ({"patience": 0}, "patience"),
    ],
    ids=["epochs", "lr", "batch", "clip", "decay", "otimizador", "agenda", "paciencia"],
)
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


# --- o laço --------------------------------------------------------------------------


def test_fit_learns_a_linear_map():
    model = _linear()
    data = _regression()
    before = evaluate(model, DataLoader(data, batch_size=16), mse)
    history = fit(
        model,
        data,
        loss_fn=mse,
        config=TrainConfig(epochs=30, lr=0.05, batch_size=16),
        val_data=data,
        progress=False,
    )
    assert len(history) == 30
    assert history.val_loss[-1] < 1e-3 < before
    torch.testing.assert_close(
        model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5]]), rtol=0, atol=0.02
    )
    assert history.epochs == list(range(1, 31))
    assert all(t >= 0 for t in history.epoch_time)
    assert history.total_time == pytest.approx(sum(history.epoch_time))


def test_fit_is_deterministic_with_the_seed():
    runs = []
    for _ in range(2):
        model = _linear(seed=3)
        config = TrainConfig(epochs=3, lr=0.01, batch_size=8, seed=7)
        history = fit(model, _regression(), loss_fn=mse, config=config, progress=False)
        runs.append((history.train_loss, model.weight.detach().clone()))
    assert runs[0][0] == runs[1][0]
    torch.testing.assert_close(runs[0][1], runs[1][1], rtol=0, atol=0)


def test_different_seeds_shuffle_differently():
    losses = []
    for seed in (1, 2):
        model = _linear(seed=3)
        config = TrainConfig(epochs=1, lr=0.01, batch_size=8, seed=seed)
        losses.append(fit(model, _regression(), loss_fn=mse, config=config, progress=False))
    assert losses[0].train_loss != losses[1].train_loss


def test_clipping_limits_the_update_and_records_the_unclipped_norm():
    """SGD com lr=1: o passo é -g cortado, então ||Δθ|| = clip_norm quando ||g|| > clip_norm."""
    model = _linear()
    x = torch.randn(8, 3) * 10
    y = torch.randn(8, 1) * 10 + 50  # alvo longe: gradiente grande
    model.zero_grad()
    mse(model, (x, y)).backward()
    true_norm = torch.cat([p.grad.flatten() for p in model.parameters()]).norm().item()
    before = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()

    config = TrainConfig(epochs=1, lr=1.0, optimizer="sgd", clip_norm=0.5)
    history = fit(model, [(x, y)], loss_fn=mse, config=config, progress=False)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert true_norm > 0.5
    assert (after - before).norm().item() == pytest.approx(0.5, rel=1e-5)
    assert history.grad_norm[0] == pytest.approx(true_norm, rel=1e-5)
    assert history.grad_norm_max[0] == pytest.approx(true_norm, rel=1e-5)


def test_no_clipping_when_clip_norm_is_none():
    model = _linear()
    x, y = torch.randn(8, 3) * 10, torch.randn(8, 1) * 10 + 50
    model.zero_grad()
    mse(model, (x, y)).backward()
    grad = torch.cat([p.grad.flatten() for p in model.parameters()]).clone()
    before = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()
    config = TrainConfig(epochs=1, lr=1e-3, optimizer="sgd", clip_norm=None)
    fit(model, [(x, y)], loss_fn=mse, config=config, progress=False)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    torch.testing.assert_close(after - before, -1e-3 * grad, rtol=1e-5, atol=1e-7)


def test_iterable_of_batches_and_dataloader_are_used_as_given():
    data = _regression(32)
    batches = [(data.tensors[0][i : i + 8], data.tensors[1][i : i + 8]) for i in range(0, 32, 8)]
    calls = []

    def counting_loss(model, batch):
        calls.append(batch[0].shape[0])
        return mse(model, batch)

    fit(_linear(), batches, loss_fn=counting_loss, config=TrainConfig(epochs=2), progress=False)
    assert calls == [8, 8, 8, 8] * 2
    calls.clear()
    loader = DataLoader(data, batch_size=10)
    fit(_linear(), loader, loss_fn=counting_loss, config=TrainConfig(epochs=1), progress=False)
    assert calls == [10, 10, 10, 2]


def test_dataset_is_batched_with_config_batch_size():
    calls = []

    def counting_loss(model, batch):
        calls.append(batch[0].shape[0])
        return mse(model, batch)

    config = TrainConfig(epochs=1, batch_size=20)
    fit(_linear(), _regression(50), loss_fn=counting_loss, config=config, progress=False)
    assert calls == [20, 20, 10]


def test_one_shot_iterator_is_rejected():
    data = _regression(8)
    gen = ((x[None], y[None]) for x, y in data)
    with pytest.raises(TypeError, match="uma passagem só"):
        fit(_linear(), gen, loss_fn=mse, progress=False)


def test_empty_training_data_raises():
    with pytest.raises(ValueError, match="nenhum lote"):
        fit(_linear(), [], loss_fn=mse, progress=False)


def test_nan_loss_raises_with_a_hint():
    def nan_loss(model, batch):
        return mse(model, batch) * float("nan")

    with pytest.raises(FloatingPointError, match="taxa de aprendizado"):
        fit(_linear(), _regression(8), loss_fn=nan_loss, progress=False)


def test_device_argument_moves_model_and_batches():
    seen = []

    def loss(model, batch):
        seen.append(batch[0].device.type)
        return mse(model, batch)

    model = _linear()
    fit(model, _regression(8), loss_fn=loss, device="cpu", progress=False)
    assert set(seen) == {"cpu"}
    assert next(model.parameters()).device.type == "cpu"


def test_move_to_handles_nested_batches():
    batch = {"x": torch.zeros(2), "pair": (torch.ones(1), [torch.ones(3)]), "n": 5}
    moved = move_to(batch, "cpu")
    assert isinstance(moved["pair"], tuple) and isinstance(moved["pair"][1], list)
    assert moved["n"] == 5
    torch.testing.assert_close(moved["pair"][1][0], torch.ones(3))


def test_evaluate_weights_batches_by_size_and_restores_mode():
    model = _linear()
    data = _regression(30)
    x, y = data.tensors
    expected = F.mse_loss(model(x), y).item()
    model.train()
    got = evaluate(model, DataLoader(data, batch_size=7), mse)
    assert got == pytest.approx(expected, rel=1e-6)
    assert model.training


def test_cosine_schedule_values():
    config = TrainConfig(epochs=4, lr=0.1, schedule="cosine")
    history = fit(_linear(), _regression(8), loss_fn=mse, config=config, progress=False)
    expected = [0.05 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    assert history.lr == pytest.approx(expected, rel=1e-12)


def test_early_stopping_and_restore_best():
    """A validação melhora até a 2ª época e piora depois: para com paciência 2 e volta à 2ª."""
    val_losses = iter([3.0, 1.0, 2.0, 4.0, 5.0, 6.0])
    snapshots = []

    def loss(model, batch):
        if model.training:
            return mse(model, batch)
        snapshots.append(model.weight.detach().clone())
        return torch.tensor(next(val_losses))

    model = _linear()
    config = TrainConfig(epochs=6, lr=0.05, patience=2, restore_best=True)
    data = [next(iter(DataLoader(_regression(8), batch_size=8)))]
    history = fit(model, data, loss_fn=loss, config=config, val_data=data, progress=False)
    assert history.val_loss == [3.0, 1.0, 2.0, 4.0]
    assert history.stopped_early
    assert history.best_epoch == 2
    torch.testing.assert_close(model.weight.detach(), snapshots[1], rtol=0, atol=0)
    assert (snapshots[3] - snapshots[1]).abs().max() > 0  # os pesos mudaram depois da melhor


def test_patience_without_validation_raises():
    with pytest.raises(ValueError, match="val_data"):
        fit(_linear(), _regression(8), loss_fn=mse, config=TrainConfig(patience=1), progress=False)


def test_history_best_epoch_and_as_dict():
    history = History(train_loss=[3.0, 2.0, 1.0], val_loss=[2.5, 2.0, 2.2])
    assert history.best_epoch == 2
    assert History(train_loss=[1.0]).best_epoch is None
    d = history.as_dict()
    assert d["val_loss"] == [2.5, 2.0, 2.2]
    assert set(d) >= {"train_loss", "val_loss", "grad_norm", "lr", "epoch_time"}


def test_adamw_decouples_weight_decay():
    """Com gradiente nulo, o AdamW ainda encolhe os pesos por (1 - lr * wd); o Adam não."""

    def zero_loss(model, batch):
        return (model(batch[0]) * 0).sum()

    for name, factor in (("adamw", 1 - 0.1 * 0.5), ("adam", 1.0)):
        model = _linear()
        w0 = model.weight.detach().clone()
        config = TrainConfig(epochs=1, lr=0.1, weight_decay=0.5, optimizer=name, clip_norm=None)
        fit(model, [(torch.zeros(1, 3),)], loss_fn=zero_loss, config=config, progress=False)
        if name == "adamw":
            torch.testing.assert_close(model.weight.detach(), w0 * factor, rtol=1e-6, atol=1e-7)
        else:
            # no Adam o decaimento entra no gradiente e o passo normalizado tem tamanho ~lr
            assert (model.weight.detach() - w0).abs().max() == pytest.approx(0.1, rel=1e-3)
