"""Atenção (rnncourse.attention): valores em float64 contra contas escritas à mão e contra o
``scaled_dot_product_attention`` do PyTorch, pesos que somam 1, máscara de preenchimento
respeitada e gradientes conferidos por diferenças finitas (``torch.autograd.gradcheck``)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from rnncourse.attention import AdditiveAttention, DotProductAttention, masked_softmax

B, TQ, TK, D, DV = 3, 4, 6, 5, 7  # tamanhos diferentes entre si: eixos trocados dão erro


def _inputs(seed: int = 0, d_query: int = D):
    g = torch.Generator().manual_seed(seed)
    query = torch.randn(B, TQ, d_query, generator=g, dtype=torch.float64)
    keys = torch.randn(B, TK, D, generator=g, dtype=torch.float64)
    values = torch.randn(B, TK, DV, generator=g, dtype=torch.float64)
    lengths = torch.tensor([TK, 3, 1])  # uma sequência cheia, uma pela metade, uma com 1 posição
    mask = torch.arange(TK)[None, :] < lengths[:, None]  # (B, TK)
    return query, keys, values, mask


def _additive(seed: int = 0) -> AdditiveAttention:
    torch.manual_seed(seed)
    return AdditiveAttention(query_size=4, key_size=D, attn_size=3).double()


MODULES = {
    "produto escalar": lambda: (DotProductAttention(scaled=False), D),
    "produto escalar escalado": lambda: (DotProductAttention(scaled=True), D),
    "aditiva": lambda: (_additive(), 4),
}


def _manual_scores(module, query, keys):
    """Escores calculados posição a posição, sem difusão de eixos."""
    scores = torch.empty(B, TQ, TK, dtype=torch.float64)
    for b in range(B):
        for i in range(TQ):
            for j in range(TK):
                q, k = query[b, i], keys[b, j]
                if isinstance(module, DotProductAttention):
                    e = q @ k / (math.sqrt(D) if module.scaled else 1.0)
                else:
                    W_q = module.query_proj.weight
                    W_k, b_k = module.key_proj.weight, module.key_proj.bias
                    w = module.score_proj.weight[0]
                    e = w @ torch.tanh(W_q @ q + W_k @ k + b_k)
                scores[b, i, j] = e
    return scores


@pytest.mark.parametrize("kind", MODULES, ids=list(MODULES))
def test_scores_weights_and_context_match_a_position_by_position_computation(kind):
    module, d_query = MODULES[kind]()
    query, keys, values, mask = _inputs(1, d_query)
    context, weights = module(query, keys, values, mask)
    scores = _manual_scores(module, query, keys)
    expected = torch.zeros_like(scores)
    for b in range(B):
        n = int(mask[b].sum())
        expected[b, :, :n] = torch.softmax(scores[b, :, :n], dim=-1)  # só as posições reais
    torch.testing.assert_close(weights, expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(context, expected @ values, rtol=1e-12, atol=1e-14)
    assert context.shape == (B, TQ, DV) and weights.shape == (B, TQ, TK)


@pytest.mark.parametrize("kind", MODULES, ids=list(MODULES))
def test_weights_sum_to_one_and_are_zero_on_padding(kind):
    module, d_query = MODULES[kind]()
    query, keys, values, mask = _inputs(2, d_query)
    _, weights = module(query, keys, values, mask)
    torch.testing.assert_close(weights.sum(-1), torch.ones(B, TQ, dtype=torch.float64))
    assert torch.all(weights[~mask[:, None, :].expand_as(weights)] == 0)  # exatamente zero
    assert torch.all(weights[mask[:, None, :].expand_as(weights)] > 0)


@pytest.mark.parametrize("kind", MODULES, ids=list(MODULES))
def test_padding_content_does_not_change_the_output(kind):
    module, d_query = MODULES[kind]()
    query, keys, values, mask = _inputs(3, d_query)
    context, weights = module(query, keys, values, mask)
    noisy_keys, noisy_values = keys.clone(), values.clone()
    noisy_keys[~mask] = 1e3  # lixo nas posições de preenchimento
    noisy_values[~mask] = -1e3
    context2, weights2 = module(query, noisy_keys, noisy_values, mask)
    torch.testing.assert_close(context2, context, rtol=0, atol=0)
    torch.testing.assert_close(weights2, weights, rtol=0, atol=0)
    # sem a máscara, o lixo muda tudo: o teste acima não passa por acaso
    context3, _ = module(query, noisy_keys, noisy_values, None)
    assert not torch.allclose(context3, context)


def test_scaled_dot_product_matches_pytorch_sdpa():
    query, keys, values, mask = _inputs(4)
    context, _ = DotProductAttention(scaled=True)(query, keys, values, mask)
    expected = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask[:, None, :])
    torch.testing.assert_close(context, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", MODULES, ids=list(MODULES))
def test_gradients_match_finite_differences(kind):
    module, d_query = MODULES[kind]()
    query, keys, values, mask = _inputs(5, d_query)
    inputs = tuple(x.clone().requires_grad_(True) for x in (query, keys, values))

    def f(q, k, v):
        context, weights = module(q, k, v, mask)
        return context, weights

    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_masked_softmax_without_mask_is_the_softmax():
    scores = torch.randn(2, 3, 4, dtype=torch.float64)
    torch.testing.assert_close(masked_softmax(scores, None), torch.softmax(scores, -1))


def test_masked_softmax_rejects_a_row_without_valid_positions():
    scores = torch.zeros(2, 3)
    mask = torch.tensor([[True, False, False], [False, False, False]])
    with pytest.raises(ValueError, match="nenhuma posição válida"):
        masked_softmax(scores, mask)


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape", "mask_shape", "message"),
    [
        ((B, TQ, D), (B, TK, D + 1), (B, TK, DV), (B, TK), "mesma dimensão"),
        ((B, TQ, D), (B, TK, D), (B, TK + 1, DV), (B, TK), "mesmo"),
        ((B, D), (B, TK, D), (B, TK, DV), (B, TK), "3 eixos"),
        ((B, TQ, D), (B, TK, D), (B, TK, DV), (B, TQ), "máscara"),
    ],
    ids=["d diferente", "T_k diferente", "consulta 2D", "máscara com forma errada"],
)
def test_shape_errors_are_explained(q_shape, k_shape, v_shape, mask_shape, message):
    q, k, v = torch.zeros(q_shape), torch.zeros(k_shape), torch.zeros(v_shape)
    mask = torch.ones(mask_shape, dtype=torch.bool)
    with pytest.raises(ValueError, match=message):
        DotProductAttention()(q, k, v, mask)
