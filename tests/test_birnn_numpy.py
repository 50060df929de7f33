"""RNN bidirecional em numpy (rnncourse.birnn_numpy) contra nn.RNN(bidirectional=True)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.birnn_numpy import birnn_forward, birnn_params_from_torch, split_directions
from rnncourse.rnn_numpy import rnn_forward

# (B, T, D, H): lote, passos, entrada, estado oculto (diferentes entre si: eixos trocados falham)
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 6, 2, 3), (4, 2, 7, 4)]
SHAPE_IDS = [f"B{b}-T{t}-D{d}-H{h}" for b, t, d, h in SHAPES]
BIAS = [True, False]
BIAS_IDS = ["com-vies", "sem-vies"]
H0 = ["h0-zero", "h0-sorteado"]


def _torch_birnn(D: int, H: int, bias: bool, num_layers: int = 1, seed: int = 0) -> nn.RNN:
    torch.manual_seed(seed)
    rnn = nn.RNN(
        D, H, num_layers=num_layers, bias=bias, batch_first=True, bidirectional=True
    ).double()
    with torch.no_grad():  # pesos maiores que o padrão, para a tanh sair da região linear
        for p in rnn.parameters():
            p.uniform_(-1.0, 1.0)
    return rnn


@pytest.mark.parametrize("h0_kind", H0)
@pytest.mark.parametrize("bias", BIAS, ids=BIAS_IDS)
@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES, ids=SHAPE_IDS)
def test_forward_matches_torch_bidirectional_rnn(B, T, D, H, bias, h0_kind):
    rng = np.random.default_rng(2)
    rnn = _torch_birnn(D, H, bias)
    X = rng.normal(size=(B, T, D))
    h0 = None if h0_kind == "h0-zero" else rng.normal(size=(2, B, H))
    out, h_n = birnn_forward(X, h0, birnn_params_from_torch(rnn))
    h0_t = None if h0 is None else torch.from_numpy(h0)
    expected, expected_h_n = rnn(torch.from_numpy(X), h0_t)
    assert out.shape == (B, T, 2 * H) and h_n.shape == (2, B, H)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, expected_h_n.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("B", "T", "D", "H"), SHAPES[1:], ids=SHAPE_IDS[1:])
def test_layout_forward_half_then_realigned_backward_half(B, T, D, H):
    """0:H = RNN direta; H:2H = RNN sobre X invertido, invertida de volta; h_n nas pontas."""
    rng = np.random.default_rng(3)
    params = birnn_params_from_torch(_torch_birnn(D, H, True))
    forward, backward = split_directions(params)
    X, h0 = rng.normal(size=(B, T, D)), rng.normal(size=(2, B, H))
    out, h_n = birnn_forward(X, h0, params)
    H_fwd, _ = rnn_forward(X, h0[0], forward)
    H_bwd_rev, _ = rnn_forward(X[:, ::-1], h0[1], backward)
    np.testing.assert_allclose(out[..., :H], H_fwd, rtol=0, atol=1e-14)
    np.testing.assert_allclose(out[..., H:], H_bwd_rev[:, ::-1], rtol=0, atol=1e-14)
    # sem inverter de volta, a metade reversa ficaria desalinhada (o erro que o teste pega)
    assert not np.allclose(out[..., H:], H_bwd_rev, atol=1e-6)
    np.testing.assert_allclose(h_n[0], out[:, -1, :H], rtol=0, atol=1e-14)
    np.testing.assert_allclose(h_n[1], out[:, 0, H:], rtol=0, atol=1e-14)


def test_backward_direction_at_t_depends_only_on_the_future():
    """Mudar x_t muda h→ de t em diante e h← de t para trás, e nada mais."""
    rng = np.random.default_rng(4)
    B, T, D, H, t = 2, 7, 3, 4, 3
    params = birnn_params_from_torch(_torch_birnn(D, H, True))
    X = rng.normal(size=(B, T, D))
    X2 = X.copy()
    X2[:, t] += 1.0
    out, _ = birnn_forward(X, None, params)
    out2, _ = birnn_forward(X2, None, params)
    changed = np.abs(out2 - out).max(axis=(0, 2)) > 1e-9  # por passo, metade direta e reversa
    fwd_changed = np.abs(out2[..., :H] - out[..., :H]).max(axis=(0, 2)) > 1e-9
    bwd_changed = np.abs(out2[..., H:] - out[..., H:]).max(axis=(0, 2)) > 1e-9
    assert changed.all()
    assert fwd_changed.tolist() == [s >= t for s in range(T)]
    assert bwd_changed.tolist() == [s <= t for s in range(T)]


def test_stacked_layers_feed_the_concatenated_output_upwards():
    """Duas camadas: a segunda lê (B, T, 2H) da primeira; h_n na ordem do PyTorch."""
    rng = np.random.default_rng(5)
    B, T, D, H = 3, 5, 4, 6
    rnn = _torch_birnn(D, H, True, num_layers=2)
    X = rng.normal(size=(B, T, D))
    out0, h_n0 = birnn_forward(X, None, birnn_params_from_torch(rnn, layer=0))
    out1, h_n1 = birnn_forward(out0, None, birnn_params_from_torch(rnn, layer=1))
    expected, expected_h_n = rnn(torch.from_numpy(X))
    np.testing.assert_allclose(out1, expected.detach().numpy(), rtol=0, atol=1e-12)
    # h_n (num_layers * 2, B, H): [camada 0 direta, camada 0 reversa, camada 1 direta, ...]
    np.testing.assert_allclose(
        np.concatenate([h_n0, h_n1]), expected_h_n.detach().numpy(), rtol=0, atol=1e-12
    )


def test_params_from_torch_names_and_errors():
    rnn = _torch_birnn(3, 2, True, num_layers=2)
    params = birnn_params_from_torch(rnn, layer=1)
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    assert sorted(params) == sorted(f"{b}{s}" for b in names for s in ("", "_reverse"))
    assert params["weight_ih"].shape == (2, 4)  # a camada 1 lê a saída (2H = 4) da camada 0
    with pytest.raises(ValueError, match="não é bidirecional"):
        birnn_params_from_torch(nn.RNN(3, 2))
    with pytest.raises(KeyError, match="camada 2"):
        birnn_params_from_torch(rnn, layer=2)


def test_errors_in_portuguese():
    rng = np.random.default_rng(6)
    params = birnn_params_from_torch(_torch_birnn(3, 2, True))
    X = rng.normal(size=(2, 4, 3))
    with pytest.raises(ValueError, match=r"\(2, B, H\) = \(2, 2, 2\)"):
        birnn_forward(X, np.zeros((2, 2)), params)
    with pytest.raises(ValueError, match=r"forma \(B, T, D\)"):
        birnn_forward(X[0], None, params)
    only_forward = {k: v for k, v in params.items() if not k.endswith("_reverse")}
    with pytest.raises(KeyError, match="direção reversa"):
        birnn_forward(X, None, only_forward)
    no_reverse_bias = {k: v for k, v in params.items() if k != "bias_hh_reverse"}
    with pytest.raises(KeyError, match="mesmos parâmetros"):
        birnn_forward(X, None, no_reverse_bias)
