"""TBPTT(k1, k2) (rnncourse.tbptt) contra a autograd de referência (float64) e a tarefa de eco."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse.benchmark import single_thread
from rnncourse.lm import IGNORE_INDEX
from rnncourse.models import CharRNNLM
from rnncourse.tbptt import echo_task, truncated_bptt

V, E, H = 3, 2, 4  # símbolos, embedding, estado oculto


@pytest.fixture(autouse=True)
def _one_thread():
    # modelos minúsculos: uma thread é mais rápida e não disputa a CPU com outros processos
    with single_thread():
        yield


class GradRecorder:
    """Faz as vezes do otimizador: guarda o gradiente de cada atualização e não mexe nos pesos."""

    def __init__(self, params):
        self.params = list(params)
        self.grads: list[list[torch.Tensor]] = []

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.grads.append([p.grad.clone() for p in self.params])


def _model(cell: str = "rnn", seed: int = 0) -> CharRNNLM:
    torch.manual_seed(seed)
    model = CharRNNLM(V, E, H, cell=cell).double()
    with torch.no_grad():  # pesos maiores que o padrão: gradientes bem acima do arredondamento
        for p in model.parameters():
            p.uniform_(-1.0, 1.0)
    return model


def _stream(B: int, T: int, delay: int = 2, seed: int = 0):
    X, Y = echo_task(np.random.default_rng(seed), B, T, delay, num_symbols=V)
    return torch.from_numpy(X), torch.from_numpy(Y)


def _reference(model, X, Y, k1, k2):
    """Gradiente e perda de cada atualização, calculados por fora: prefixo sem grafo, janela com."""
    grads, losses = [], []
    params = list(model.parameters())
    for t0 in range(0, X.shape[1], k1):
        t1 = min(t0 + k1, X.shape[1])
        start = max(0, t0 - (k2 - k1))  # a janela cobre até k2 passos, terminando em t1
        state = None
        if start > 0:
            with torch.no_grad():
                _, state = model(X[:, :start], None, return_state=True)
        logits = model(X[:, start:t1], state)[:, t0 - start :]  # só os passos novos
        y = Y[:, t0:t1]
        if not (y != IGNORE_INDEX).any():
            continue
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=IGNORE_INDEX)
        grads.append(torch.autograd.grad(loss, params))
        losses.append(loss.item())
    return grads, losses


CASES = [(4, 4), (3, 3), (2, 6), (3, 9), (5, 5), (1, 4)]
CASE_IDS = [f"k1={a}-k2={b}" for a, b in CASES]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize(("k1", "k2"), CASES, ids=CASE_IDS)
def test_every_update_matches_reference_gradient(k1, k2, cell):
    model = _model(cell)
    X, Y = _stream(B=2, T=14)  # 14 não é múltiplo de todos os k1: o último bloco é menor
    recorder = GradRecorder(model.parameters())
    _, mean_loss = truncated_bptt(model, X, Y, k1, k2, recorder, clip_norm=None)
    ref_grads, ref_losses = _reference(model, X, Y, k1, k2)
    assert len(recorder.grads) == len(ref_grads) == len(ref_losses)
    for got, expected in zip(recorder.grads, ref_grads, strict=True):
        for g, e in zip(got, expected, strict=True):
            torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)
    assert mean_loss == pytest.approx(np.mean(ref_losses), rel=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_no_truncation_equals_full_bptt(cell):
    # k1 = k2 = T: uma única atualização, com o gradiente da sequência inteira
    model = _model(cell, seed=3)
    X, Y = _stream(B=3, T=9, delay=1, seed=3)
    recorder = GradRecorder(model.parameters())
    truncated_bptt(model, X, Y, 9, 9, recorder, clip_norm=None)
    logits = model(X)
    loss = F.cross_entropy(logits.reshape(-1, V), Y.reshape(-1), ignore_index=IGNORE_INDEX)
    expected = torch.autograd.grad(loss, list(model.parameters()))
    assert len(recorder.grads) == 1
    for g, e in zip(recorder.grads[0], expected, strict=True):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)


def test_truncation_cuts_the_gradient_of_earlier_steps():
    # a perda do 2º bloco, derivada pelo grafo inteiro, difere da derivada truncada em k = 4:
    # o teste falharia se o detach() não cortasse nada
    model = _model(seed=4)
    X, Y = _stream(B=2, T=8, delay=1, seed=4)
    short = GradRecorder(model.parameters())
    truncated_bptt(model, X, Y, 4, 4, short, clip_norm=None)
    logits = model(X)[:, 4:]
    loss = F.cross_entropy(logits.reshape(-1, V), Y[:, 4:].reshape(-1))
    untruncated = torch.autograd.grad(loss, list(model.parameters()))
    names = [name for name, _ in model.named_parameters()]
    hh = names.index("rnn.weight_hh_l0")
    assert (untruncated[hh] - short.grads[1][hh]).abs().max().item() > 1e-3
    # a projeção de saída só vê o estado do próprio passo: nela o corte não muda nada
    out = names.index("output.weight")
    torch.testing.assert_close(short.grads[1][out], untruncated[out], rtol=1e-10, atol=1e-12)


def test_final_state_is_detached_and_carries_across_calls():
    model = _model("gru", seed=5)
    X, Y = _stream(B=2, T=12, seed=5)
    one = GradRecorder(model.parameters())
    state, _ = truncated_bptt(model, X, Y, 3, 3, one, clip_norm=None)
    assert not state.requires_grad
    with torch.no_grad():
        _, expected = model(X, None, return_state=True)
    torch.testing.assert_close(state, expected, rtol=1e-12, atol=1e-12)
    # duas chamadas de 6 passos, passando o estado adiante, dão as mesmas atualizações
    two = GradRecorder(model.parameters())
    mid, _ = truncated_bptt(model, X[:, :6], Y[:, :6], 3, 3, two, clip_norm=None)
    truncated_bptt(model, X[:, 6:], Y[:, 6:], 3, 3, two, clip_norm=None, state=mid)
    assert len(one.grads) == len(two.grads) == 4
    for got, expected in zip(two.grads, one.grads, strict=True):
        for g, e in zip(got, expected, strict=True):
            torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-14)


def test_clipping_bounds_the_update_norm():
    model = _model(seed=6)
    X, Y = _stream(B=2, T=4, seed=6)
    free, clipped = GradRecorder(model.parameters()), GradRecorder(model.parameters())
    truncated_bptt(model, X, Y, 4, 4, free, clip_norm=None)
    truncated_bptt(model, X, Y, 4, 4, clipped, clip_norm=1e-3)
    free_norm = torch.sqrt(sum((g**2).sum() for g in free.grads[0])).item()
    norm = torch.sqrt(sum((g**2).sum() for g in clipped.grads[0])).item()
    assert free_norm > 1e-2  # sem corte, bem acima do limite
    # clip_grad_norm_ divide por (norma + 1e-6): fica um fio abaixo do limite
    assert 0.999e-3 < norm <= 1e-3
    for g, f in zip(clipped.grads[0], free.grads[0], strict=True):  # mesma direção
        torch.testing.assert_close(g, f * (norm / free_norm), rtol=1e-9, atol=1e-15)


def test_learns_a_short_echo_with_adam():
    torch.manual_seed(0)
    model = CharRNNLM(2, 2, 16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    X, Y = (torch.from_numpy(a) for a in echo_task(rng, 16, 512, delay=1))
    truncated_bptt(model, X, Y, 4, 4, opt)
    X, Y = (torch.from_numpy(a) for a in echo_task(rng, 16, 200, delay=1))
    with torch.no_grad():
        pred = model(X).argmax(-1)
    mask = Y != IGNORE_INDEX
    assert (pred[mask] == Y[mask]).double().mean().item() > 0.95


@pytest.mark.parametrize(
    ("k1", "k2"),
    [(0, 4), (3, 4), (4, 2), (2.5, 5)],
    ids=["k1-zero", "nao-multiplo", "k2<k1", "k1-frac"],
)
def test_rejects_bad_truncation(k1, k2):
    model = _model()
    X, Y = _stream(B=1, T=4)
    with pytest.raises(ValueError, match="k1|k2"):
        truncated_bptt(model, X, Y, k1, k2, GradRecorder(model.parameters()))


def test_rejects_bad_shapes():
    model = _model()
    X, Y = _stream(B=1, T=4)
    with pytest.raises(ValueError, match="mesma forma"):
        truncated_bptt(model, X, Y[:, :3], 2, 2, GradRecorder(model.parameters()))
    with pytest.raises(ValueError, match="mesma forma"):
        truncated_bptt(model, X[:, :0], Y[:, :0], 2, 2, GradRecorder(model.parameters()))


@pytest.mark.parametrize(("delay", "symbols"), [(1, 2), (3, 4), (7, 5)])
def test_echo_task_values(delay, symbols):
    X, Y = echo_task(np.random.default_rng(0), 3, 20, delay, num_symbols=symbols)
    assert X.shape == Y.shape == (3, 20)
    assert X.dtype == Y.dtype == np.int64
    assert X.min() >= 0 and X.max() < symbols
    assert np.all(Y[:, :delay] == IGNORE_INDEX)
    np.testing.assert_array_equal(Y[:, delay:], X[:, :-delay])
    X2, _ = echo_task(np.random.default_rng(0), 3, 20, delay, num_symbols=symbols)
    np.testing.assert_array_equal(X, X2)  # determinístico dado o gerador


def test_echo_task_symbols_are_balanced():
    X, _ = echo_task(np.random.default_rng(1), 50, 200, 3, num_symbols=4)
    freq = np.bincount(X.ravel(), minlength=4) / X.size
    np.testing.assert_allclose(freq, 0.25, atol=0.02)


@pytest.mark.parametrize(
    "kwargs",
    [dict(delay=0), dict(length=0), dict(batch_size=0), dict(num_symbols=1), dict(delay=1.5)],
    ids=["delay", "length", "batch", "symbols", "delay-frac"],
)
def test_echo_task_rejects_bad_arguments(kwargs):
    args = dict(batch_size=2, length=5, delay=1, num_symbols=2) | kwargs
    with pytest.raises(ValueError, match="deve ser um inteiro"):
        echo_task(np.random.default_rng(0), **args)
