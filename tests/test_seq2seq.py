"""Codificador–decodificador (rnncourse.seq2seq), em float64: o estado final do codificador é o
do último símbolo real, o preenchimento não muda nada, o forçamento do professor (todos os passos
de uma vez) coincide com a decodificação passo a passo, e a perda é a entropia cruzada média
sem as posições de preenchimento."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from rnncourse.numbers_pt import BOS, EOS, PAD
from rnncourse.seq2seq import ATTENTIONS, Encoder, Seq2Seq, seq2seq_loss

V_SRC, V_TGT, E, H = 11, 9, 5, 6


def _batch(seed: int = 0):
    """Um lote com entradas de comprimentos 7, 4 e 1 e saídas de comprimentos 3, 1 e 2."""
    g = torch.Generator().manual_seed(seed)
    src_len = torch.tensor([7, 4, 1])
    src = torch.randint(3, V_SRC, (3, 7), generator=g)
    src[torch.arange(7)[None, :] >= src_len[:, None]] = PAD
    outputs = [[5, 3, 7], [4], [8, 8]]
    T = max(map(len, outputs)) + 1
    tgt_in = torch.full((3, T), PAD)
    tgt_out = torch.full((3, T), PAD)
    for i, y in enumerate(outputs):
        tgt_in[i, : len(y) + 1] = torch.tensor([BOS, *y])
        tgt_out[i, : len(y) + 1] = torch.tensor([*y, EOS])
    return src, src_len, tgt_in, tgt_out


def _model(attention, seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(V_SRC, V_TGT, E, H, attention=attention).double()


KINDS = {
    "sem atenção": None,
    "produto escalar": "dot",
    "produto escalar escalado": "scaled_dot",
    "aditiva": "additive",
}


def test_encoder_final_state_is_the_state_of_the_last_real_symbol():
    torch.manual_seed(0)
    encoder = Encoder(V_SRC, E, H).double()
    src, src_len, _, _ = _batch(1)
    states, final = encoder(src, src_len)
    for b in range(3):
        n = int(src_len[b])
        alone, h_n = encoder.rnn(encoder.embedding(src[b : b + 1, :n]))  # sem preenchimento
        torch.testing.assert_close(final[b], h_n[0, 0], rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(states[b, :n], alone[0], rtol=1e-12, atol=1e-14)
        assert torch.all(states[b, n:] == 0)  # preenchimento zerado


def test_encoder_rejects_impossible_lengths():
    encoder = Encoder(V_SRC, E, H)
    src = torch.ones(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="src_len"):
        encoder(src, torch.tensor([3, 0]))
    with pytest.raises(ValueError, match="src_len"):
        encoder(src, torch.tensor([4, 1]))


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_teacher_forcing_equals_step_by_step_decoding(kind):
    model = _model(KINDS[kind], seed=2)
    src, src_len, tgt_in, _ = _batch(2)
    logits, weights = model(src, src_len, tgt_in)  # todos os passos de uma vez
    state = model.start(src, src_len)
    for t in range(tgt_in.shape[1]):
        log_probs, state, w = model.step(tgt_in[:, t], state)  # um passo de cada vez
        expected = torch.log_softmax(logits[:, t], dim=-1)
        torch.testing.assert_close(log_probs, expected, rtol=1e-12, atol=1e-12)
        if weights is None:
            assert w is None
        else:
            torch.testing.assert_close(w, weights[:, t], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["produto escalar", "produto escalar escalado", "aditiva"])
def test_attention_weights_of_the_model_respect_the_source_padding(kind):
    model = _model(KINDS[kind], seed=3)
    src, src_len, tgt_in, _ = _batch(3)
    _, weights = model(src, src_len, tgt_in)  # (B, T, S)
    assert weights.shape == (3, tgt_in.shape[1], int(src_len.max()))
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:2], dtype=torch.float64))
    pad = (src == PAD)[:, None, :].expand_as(weights)
    assert torch.all(weights[pad] == 0)


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_extra_padding_columns_change_nothing(kind):
    model = _model(KINDS[kind], seed=4)
    src, src_len, tgt_in, _ = _batch(4)
    logits, _ = model(src, src_len, tgt_in)
    wider = torch.cat([src, torch.full((3, 5), PAD)], dim=1)  # 5 colunas só de preenchimento
    logits_wide, _ = model(wider, src_len, tgt_in)
    torch.testing.assert_close(logits_wide, logits, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_only_the_context_reaches_the_decoder_without_attention(kind):
    """Sem atenção, trocar os estados intermediários do codificador não muda a saída."""
    model = _model(KINDS[kind], seed=5)
    src, src_len, tgt_in, _ = _batch(5)
    s0, enc_states, mask = model.start(src, src_len)
    logits, _, _ = model.decoder(tgt_in, s0, enc_states, mask)
    logits2, _, _ = model.decoder(tgt_in, s0, torch.randn_like(enc_states), mask)
    same = torch.allclose(logits, logits2, rtol=0, atol=0)
    assert same == (KINDS[kind] is None)


def test_loss_is_the_mean_cross_entropy_over_real_output_symbols():
    model = _model("dot", seed=6)
    batch = _batch(6)
    src, src_len, tgt_in, tgt_out = batch
    logits, _ = model(src, src_len, tgt_in)
    log_probs = torch.log_softmax(logits, dim=-1)
    terms = [
        -log_probs[b, t, tgt_out[b, t]]
        for b in range(3)
        for t in range(tgt_out.shape[1])
        if tgt_out[b, t] != PAD
    ]
    expected = torch.stack(terms).mean()  # 4 + 2 + 3 = 9 símbolos, EOS incluído
    assert len(terms) == 9
    torch.testing.assert_close(seq2seq_loss(model, batch), expected, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(
        F.cross_entropy(logits.transpose(1, 2), tgt_out, ignore_index=PAD), expected
    )


def test_unknown_attention_is_rejected():
    assert ATTENTIONS == (None, "dot", "scaled_dot", "additive")
    with pytest.raises(ValueError, match="atenção desconhecida"):
        Seq2Seq(V_SRC, V_TGT, E, H, attention="general")
