"""rnncourse.layernorm_lstm: a normalização de camada e a célula LayerNorm-LSTM contra o PyTorch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnncourse.layernorm_lstm import LayerNormLSTM, LayerNormLSTMCell, layer_norm

F64 = torch.float64


@pytest.mark.parametrize("shape", [(3, 7), (2, 4, 5)], ids=["2d", "3d"])
def test_layer_norm_equals_torch(shape):
    torch.manual_seed(0)
    a = torch.randn(*shape, dtype=F64) * 3 + 1
    g, b = torch.randn(shape[-1], dtype=F64), torch.randn(shape[-1], dtype=F64)
    torch.testing.assert_close(
        layer_norm(a, g, b, 1e-5), F.layer_norm(a, shape[-1:], g, b, 1e-5), rtol=1e-12, atol=1e-12
    )


class _Reference(nn.Module):
    """A mesma célula montada com ``nn.LayerNorm`` (pesos copiados da do pacote)."""

    def __init__(self, cell: LayerNormLSTMCell) -> None:
        super().__init__()
        H = cell.hidden_size
        self.H = H
        self.ln_ih = nn.LayerNorm(4 * H, eps=cell.eps, dtype=F64)
        self.ln_hh = nn.LayerNorm(4 * H, eps=cell.eps, dtype=F64)
        self.ln_c = nn.LayerNorm(H, eps=cell.eps, dtype=F64)
        with torch.no_grad():
            for ln, g, b in (
                (self.ln_ih, cell.gain_ih, cell.shift_ih),
                (self.ln_hh, cell.gain_hh, cell.shift_hh),
                (self.ln_c, cell.gain_c, cell.shift_c),
            ):
                ln.weight.copy_(g)
                ln.bias.copy_(b)
        self.cell = cell

    def forward(self, x, state):
        h, c = state
        a = self.ln_ih(x @ self.cell.weight_ih.T) + self.ln_hh(h @ self.cell.weight_hh.T)
        i, f, g, o = (a + self.cell.bias).split(self.H, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(self.ln_c(c)), c


def _cell(D, H, seed):
    torch.manual_seed(seed)
    cell = LayerNormLSTMCell(D, H).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.add_(0.3 * torch.randn_like(p))  # ganhos e deslocamentos não triviais
    return cell


@pytest.mark.parametrize(("B", "D", "H"), [(4, 3, 5), (1, 1, 2), (6, 7, 3)], ids=str)
def test_cell_equals_reference_built_with_nn_layernorm(B, D, H):
    cell = _cell(D, H, seed=B + D + H)
    ref = _Reference(cell)
    x = torch.randn(B, D, dtype=F64)
    h, c = torch.randn(B, H, dtype=F64), torch.randn(B, H, dtype=F64)
    got, want = cell(x, (h, c)), ref(x, (h, c))
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_cell_gradients_pass_gradcheck():
    cell = _cell(3, 2, seed=1)
    x = torch.randn(2, 3, dtype=F64, requires_grad=True)
    h = torch.randn(2, 2, dtype=F64, requires_grad=True)
    c = torch.randn(2, 2, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))


def test_sequence_matches_step_by_step_and_precomputed_input_part():
    cell_seq = LayerNormLSTM(2, 4).double()
    with torch.no_grad():
        for p in cell_seq.parameters():
            p.add_(0.2 * torch.randn_like(p))
    X = torch.randn(3, 6, 2, dtype=F64)
    out, (h_T, c_T) = cell_seq(X)
    assert out.shape == (3, 6, 4)
    h = c = torch.zeros(3, 4, dtype=F64)
    for t in range(6):
        h, c = cell_seq.cell(X[:, t], (h, c))  # sem a parte da entrada pré-calculada
        torch.testing.assert_close(out[:, t], h, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h_T, h, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c_T, c, rtol=1e-12, atol=1e-12)


def test_normalization_does_not_depend_on_the_batch():
    cell = _cell(3, 4, seed=2)
    x, h, c = (torch.randn(8, n, dtype=F64) for n in (3, 4, 4))
    full = cell(x, (h, c))[0]
    alone = cell(x[:1], (h[:1], c[:1]))[0]
    torch.testing.assert_close(full[:1], alone, rtol=1e-12, atol=1e-12)


def test_input_part_is_invariant_to_input_scale():
    cell = _cell(3, 4, seed=3)
    cell.eps = 1e-12  # com eps > 0 a invariância é só aproximada
    x = torch.randn(5, 3, dtype=F64)
    torch.testing.assert_close(cell.input_part(x), cell.input_part(100 * x), rtol=1e-6, atol=1e-6)
