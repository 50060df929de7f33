"""Lista 6 (redes bidirecionais): a solução da fonte ganha tudo, o esboço ganha zero e os erros
típicos são recusados com a dica pensada para eles. Que nenhuma função pública do pacote ou dos
capítulos responda a uma questão é conferido em ``test_grading_no_giveaways.py``.

As referências do banco (em numpy) são conferidas aqui contra o PyTorch: a GRU bidirecional
com ``pack_padded_sequence``, o ``pack_sequence`` e a entropia cruzada com ``ignore_index``.
A questão 5 treina um modelo: só a solução da fonte é treinada (uma vez por caso); os erros
típicos dela são pesos prontos, sem treino.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_grading_lists import _check, solutions_of
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence

from rnncourse.accents import ALPHABET, MARKS, accent_data, encode_word
from rnncourse.grading import abrir_lista
from rnncourse.grading.lista_06 import (
    ACCENTED_BOUND,
    OVERALL_BOUND,
    _accent_model,
    _accent_scores,
    _bigru,
    _check_weights,
    _expected_shapes,
    _gru_params,
    _masked_ce,
    _pack,
    _reverse_padded,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions() -> dict:
    return solutions_of("lista_06")


@pytest.fixture(scope="module")
def lista():
    return abrir_lista(6)


def test_statement_states_what_the_check_uses():
    import nbformat

    nb = nbformat.read(ROOT / "exercises" / "lista_06.ipynb", as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    for fact in (
        "as 5000 palavras de treino",
        "2000 palavras que o treino não viu",
        f"pelo menos {OVERALL_BOUND:g}".replace(".", ","),
        f"pelo menos {ACCENTED_BOUND:g}".replace(".", ","),
        "0 nenhum, 1 agudo, 2 circunflexo, 3 til e 4 cedilha",
    ):
        assert fact in text, fact
    assert MARKS == ("nenhum", "agudo", "circunflexo", "til", "cedilha")


# ---------------------------------------------------------------- as referências do banco
def _torch_bigru(X, lengths, params):
    B, T, D = X.shape
    H = params["weight_hh"].shape[1]
    gru = nn.GRU(D, H, batch_first=True, bidirectional=True, dtype=torch.float64)
    with torch.no_grad():
        for suffix in ("", "_reverse"):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(gru, f"{name}_l0{suffix}").copy_(torch.from_numpy(params[name + suffix]))
    packed = pack_padded_sequence(
        torch.from_numpy(X), torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
    )
    out, h_n = gru(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    return out.detach().numpy(), h_n.detach().numpy()


@pytest.mark.parametrize(
    "lengths",
    [[4, 4], [5, 3, 1], [6, 2, 4, 5], [1]],
    ids=["iguais", "decrescentes", "misturados", "um"],
)
def test_bigru_reference_matches_packed_torch_gru(lengths):
    rng = np.random.default_rng(len(lengths))
    B, T, D, H = len(lengths), max(lengths) + 1, 3, 4  # sempre um passo de preenchimento
    X = rng.normal(size=(B, T, D))
    L = np.array(lengths, dtype=np.int64)
    params = _gru_params(D, H, seed=len(lengths))
    out, h_n = _bigru(X, L, params)
    out_t, h_n_t = _torch_bigru(X, L, params)
    np.testing.assert_allclose(out, out_t, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_n, h_n_t, rtol=0, atol=1e-12)
    # as variantes erradas (as das dicas) diferem da certa quando há preenchimento
    for mode in ("bwd_from_pad", "no_mask", "hn_last_step"):
        wrong_out, wrong_h_n = _bigru(X, L, params, mode=mode)
        assert not (np.allclose(wrong_out, out) and np.allclose(wrong_h_n, h_n)), mode


def test_pack_reference_matches_torch_pack_sequence():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 3)) for n in (2, 5, 3, 1)]  # comprimentos distintos: ordem única
    data, batch_sizes, order = _pack(seqs)
    packed = pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(data, packed.data.numpy())
    np.testing.assert_array_equal(batch_sizes, packed.batch_sizes.numpy())
    np.testing.assert_array_equal(order, packed.sorted_indices.numpy())


def test_masked_cross_entropy_reference_matches_torch_ignore_index():
    rng = np.random.default_rng(1)
    scores = rng.normal(0, 3, size=(3, 5, 4))
    targets = rng.integers(0, 4, size=(3, 5))
    lengths = np.array([5, 2, 3])
    masked = targets.copy()
    masked[np.arange(5)[None, :] >= lengths[:, None]] = -100
    expected = F.cross_entropy(
        torch.from_numpy(scores).reshape(-1, 4),
        torch.from_numpy(masked).reshape(-1),
        ignore_index=-100,
    ).item()
    assert _masked_ce(scores, targets, lengths) == pytest.approx(expected, rel=1e-12)


def test_reverse_padded_reference_on_a_hand_example():
    X = np.arange(10, dtype=np.float64).reshape(2, 5, 1)
    out = _reverse_padded(X, np.array([3, 5]))
    assert out[0, :, 0].tolist() == [2, 1, 0, 3, 4]  # o preenchimento (3, 4) fica no lugar
    assert out[1, :, 0].tolist() == [9, 8, 7, 6, 5]


def test_statement_baseline_share_of_plain_words():
    words, marks = accent_data("validação")
    assert len(words) == 2000 and encode_word("abz") == [1, 2, 26]
    assert set("".join(words)) <= set(ALPHABET)
    share_plain = np.mean([not any(m) for m in marks])
    assert 0.78 < share_plain < 0.88  # o enunciado diz "cerca de 0,83"


# ---------------------------------------------------------------- q1
def _reverse_answer(mode):
    return lambda X, lengths: _reverse_padded(X, lengths, mode=mode)


def test_q1_reverse_padded_wrong_answers(lista):
    report = _check(lista, "q1", _reverse_answer("all"), "Você inverteu o eixo do tempo inteiro")
    assert report.results[0].passed  # sem preenchimento, inverter tudo está certo
    _check(lista, "q1", _reverse_answer("zero_pad"), "você as zerou")
    _check(lista, "q1", _reverse_answer("plus_one"), "um passo a mais")
    _check(lista, "q1", _reverse_answer("features"), "eixo das características")
    report = _check(lista, "q1", lambda X, lengths: X.astype(np.float32)[:, ::-1], "dtype")
    assert report.points == 0


# ---------------------------------------------------------------- q2
def _bigru_answer(mode):
    return lambda X, lengths, params: _bigru(X, lengths, params, mode=mode)


def test_q2_bigru_wrong_answers_name_the_mistake(lista):
    report = _check(lista, "q2", _bigru_answer("bwd_from_pad"), "começou no preenchimento")
    assert report.results[0].passed  # sem preenchimento, não há o que errar
    report = _check(lista, "q2", _bigru_answer("not_realigned"), "ordem em que foi calculada")
    assert not report.results[0].passed
    _check(lista, "q2", _bigru_answer("swap"), "As metades estão trocadas")
    report = _check(lista, "q2", _bigru_answer("no_mask"), "devem valer zero na saída")
    assert report.results[0].passed
    _check(lista, "q2", _bigru_answer("hn_last_step"), "último passo REAL")
    _check(lista, "q2", _bigru_answer("hn_bwd_end"), "na posição 0")
    _check(lista, "q2", _bigru_answer("hn_swap"), "você as trocou")

    def only_outputs(X, lengths, params):
        return _bigru(X, lengths, params)[0]

    report = _check(lista, "q2", only_outputs, "(saidas, h_n)")
    assert report.points == 0


# ---------------------------------------------------------------- q3
def _ce_answer(mode):
    return lambda scores, targets, lengths: _masked_ce(scores, targets, lengths, mode=mode)


def test_q3_masked_cross_entropy_wrong_answers(lista):
    report = _check(lista, "q3", _ce_answer("divide_bt"), "Você dividiu a soma por B·T")
    assert report.results[0].passed  # sem preenchimento, B·T é o número de posições reais
    _check(lista, "q3", _ce_answer("no_mask"), "As posições de preenchimento entraram")
    _check(lista, "q3", _ce_answer("per_sequence"), "média de cada sequência")
    _check(lista, "q3", _ce_answer("log2"), "logaritmo natural")
    _check(lista, "q3", _ce_answer("softmax_time"), "sobre as classes")

    def naive(scores, targets, lengths):
        with np.errstate(all="ignore"):
            p = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
            nll = -np.log(np.take_along_axis(p, targets[..., None], axis=-1)[..., 0])
            mask = np.arange(scores.shape[1])[None] < lengths[:, None]
            return float((nll * mask).sum() / mask.sum())

    report = _check(lista, "q3", naive, "log-soma-exp")
    assert report.results[0].passed and report.results[1].passed


# ---------------------------------------------------------------- q4
def test_q4_pack_wrong_answers(lista):
    def batch_major(seqs):
        return _pack(seqs, mode="batch_major")

    report = _check(lista, "q4", batch_major, "organizado por PASSO DE TEMPO")
    assert not report.results[0].passed

    def original_order(seqs):
        return _pack(seqs, mode="original_order")

    report = _check(lista, "q4", original_order, "na ordem de sorted_indices")
    assert report.results[0].passed  # já estava em ordem decrescente

    def inverse(seqs):
        data, sizes, order = _pack(seqs)
        return data, sizes, np.argsort(order).astype(np.int64)

    _check(lista, "q4", inverse, "permutação inversa")

    def ascending(seqs):
        lengths = np.array([len(s) for s in seqs])
        order = np.argsort(lengths, kind="stable")
        data, sizes, _ = _pack(seqs, order)
        return data, sizes, order.astype(np.int64)

    _check(lista, "q4", ascending, "a sequência mais longa vem primeiro")

    def off_by_one(seqs):
        data, sizes, order = _pack(seqs)
        lengths = np.array([len(s) for s in seqs])
        wrong = np.array([(lengths > t + 1).sum() for t in range(len(sizes))], dtype=np.int64)
        return data, wrong, order

    _check(lista, "q4", off_by_one, "comprimento MAIOR que t")


# ---------------------------------------------------------------- q5
def _untrained_weights(*, bidirectional=True, cell=nn.GRU):
    torch.manual_seed(0)
    model = nn.Module()
    model.embedding = nn.Embedding(27, 16, padding_idx=0)
    model.rnn = cell(16, 32, batch_first=True, bidirectional=bidirectional)
    model.head = nn.Linear(64 if bidirectional else 32, 5)
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def test_q5_structure_and_untrained_answers_get_the_right_hint(lista):
    uni = _untrained_weights(bidirectional=False)
    _check(lista, "q5", lambda words, marks, seed: uni, "bidirectional=True")
    lstm = _untrained_weights(cell=nn.LSTM)
    _check(lista, "q5", lambda words, marks, seed: lstm, "pesos de uma LSTM")
    renamed = {k.replace("head.", "output."): v for k, v in _untrained_weights().items()}
    _check(lista, "q5", lambda words, marks, seed: renamed, "self.embedding, self.rnn e self.head")
    untrained = _untrained_weights()
    report = _check(lista, "q5", lambda words, marks, seed: untrained, "quase nunca acerta")
    assert "abaixo do exigido" in report.as_text()
    _check(lista, "q5", lambda words, marks, seed: None, "dados simples")


def test_q5_accepts_tensors_and_the_judge_model_has_the_stated_shapes():
    weights = _untrained_weights()
    assert {k: v.shape for k, v in weights.items()} == _expected_shapes()
    tensors = {k: torch.from_numpy(v) for k, v in weights.items()}
    converted, failure = _check_weights(tensors)  # um state_dict de tensores também vale
    assert failure is None and converted.keys() == weights.keys()
    model = _accent_model(converted)
    assert sum(p.numel() for p in model.parameters()) == sum(v.size for v in weights.values())
    overall, accented = _accent_scores(weights, "validação")
    assert 0 <= overall < OVERALL_BOUND and 0 <= accented < ACCENTED_BOUND
