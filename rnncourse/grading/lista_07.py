"""Banco de questões da lista 7 (capítulo 7): sequência para sequência, atenção e busca em feixe.

Questões (as funções que o estudante escreve):

1. ``general_attention(Q, K, V, W, lengths)``: a atenção com o escore "general" de Luong,
   ``e_ij = q_i^T W k_j``, em numpy, com a máscara dada pelos comprimentos das entradas;
   devolve ``(contexto, pesos)``.
2. ``beam_step(scores, log_probs, finished, k, eos)``: um passo da busca em feixe para uma
   entrada: as ``k`` melhores entre todas as continuações, pela soma de log-probabilidades, com
   as hipóteses terminadas mantidas (com o mesmo escore); devolve ``(escores, pais, símbolos)``.
3. ``best_hypothesis(tokens, scores, alpha, eos)``: a escolha final entre as hipóteses do feixe
   com a normalização pelo comprimento ``escore / L ** alpha``; devolve ``(índice, escores
   normalizados)``.
4. ``train_spelling_model(numbers, seed)``: treina um codificador–decodificador com atenção que
   escreve por extenso números de 0 a 999 (o sentido contrário ao do capítulo) e devolve os
   pesos (um dicionário de arrays). A verificação carrega os pesos no
   ``rnncourse.seq2seq.Seq2Seq`` da arquitetura do enunciado e **mede** a acurácia exata, com a
   busca gulosa, nos números que a resposta não recebeu.

As questões 1 a 3 são numpy puro e pedem variantes do que o capítulo mostra (o escore
"general", que o pacote não tem; um passo do feixe com arrays, não o laço inteiro; a
normalização ``L ** alpha``, não a de Wu et al. do pacote). Entradas e saídas são dados simples
(arrays, números, dicionários de arrays), como a correção em lote exige. O torch só é importado
dentro das funções que o usam.

Fora do escopo: o motor (``core.py``) e os enunciados (no notebook da lista).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from rnncourse.grading.compare import (
    Failure,
    check_array,
    check_tuple,
    describe,
    format_number,
    matches_any,
)
from rnncourse.grading.core import Case, Question

__all__ = ["ACCURACY_BOUND", "MODEL_CONFIG", "TITLE", "build_questions", "split_spelling"]

TITLE = "Seq2seq e atenção: atenção com máscara, busca em feixe, normalização e um modelo treinado"

Mistakes = list[tuple[Callable[[], object], str]]


# ---------------------------------------------------------------------- q1
def _masked_softmax(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    valid = np.arange(scores.shape[-1])[None, None, :] < lengths[:, None, None]
    scores = np.where(valid, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)


def _general(Q, K, V, W, lengths, *, mistake: str = "") -> tuple[np.ndarray, np.ndarray]:
    """A atenção "general" certa (padrão) e variantes com erros típicos."""
    W_used = W.T if mistake == "transpose" else W
    scores = Q @ W_used @ K.transpose(0, 2, 1)  # (B, Tq, dq) (dq, dk) (B, dk, Tk)
    if mistake == "scaled":
        scores = scores / math.sqrt(K.shape[-1])
    Tk = K.shape[1]
    if mistake == "no_mask":
        weights = _masked_softmax(scores, np.full(len(lengths), Tk))
    elif mistake == "off_by_one":
        weights = _masked_softmax(scores, np.minimum(lengths + 1, Tk))
    elif mistake == "mask_after":
        full = _masked_softmax(scores, np.full(len(lengths), Tk))
        weights = full * (np.arange(Tk)[None, None, :] < lengths[:, None, None])
    elif mistake == "query_axis":
        valid = np.arange(Tk)[None, None, :] < lengths[:, None, None]
        s = np.where(valid, scores, -np.inf)
        with np.errstate(invalid="ignore"):
            e = np.exp(s - s.max(axis=1, keepdims=True))
            weights = np.nan_to_num(e / e.sum(axis=1, keepdims=True))
    else:
        weights = _masked_softmax(scores, lengths)
    values = K if mistake == "keys_as_values" else V
    return weights @ values, weights


def _general_mistakes(Q, K, V, W, lengths) -> Mistakes:
    def run(mistake):
        return lambda: _general(Q, K, V, W, lengths, mistake=mistake)

    return [
        (
            run("query_axis"),
            "A softmax foi feita sobre o eixo das consultas (axis=1). Para cada consulta i, os "
            "pesos se distribuem entre as CHAVES j: softmax no último eixo (axis=-1), e cada "
            "linha pesos[b, i, :] soma 1.",
        ),
        (
            run("no_mask"),
            "As posições de preenchimento receberam peso: as chaves j >= lengths[b] não existem. "
            "Ponha −∞ (np.where(mascara, escores, -np.inf)) nos escores delas ANTES da softmax.",
        ),
        (
            run("mask_after"),
            "Você zerou os pesos do preenchimento DEPOIS da softmax: as linhas não somam mais 1. "
            "Mascare antes, com −∞ nos escores, para a softmax distribuir o peso só entre as "
            "posições reais.",
        ),
        (
            run("off_by_one"),
            "A máscara deixou passar uma posição a mais: as posições reais são j = 0, ..., "
            "lengths[b] − 1 (j < lengths[b], não j <= lengths[b]).",
        ),
        (
            run("transpose"),
            "O escore usou W transposta: e_ij = q_i^T W k_j, ou seja, Q @ W @ K^T, com W de "
            "forma (d_q, d_k).",
        ),
        (
            run("scaled"),
            'O escore "general" não divide por √d: e_ij = q_i^T W k_j, sem escala (a divisão '
            "por √d é a do produto escalar escalado).",
        ),
        (
            run("keys_as_values"),
            "O contexto é a média ponderada dos VALORES V, não das chaves K: contexto = pesos @ V.",
        ),
    ]


def _judge_general(obtained, args) -> Failure | None:
    Q, K, V, W, lengths = args
    context, weights = _general(Q, K, V, W, lengths)
    failure = check_tuple(obtained, 2, "(contexto, pesos)")
    if failure is not None:
        return failure
    mistakes = _general_mistakes(Q, K, V, W, lengths)
    for index, name, expected in ((1, "pesos", weights), (0, "contexto", context)):
        failure = check_array(
            obtained[index],
            expected,
            name=name,
            rtol=1e-7,
            atol=1e-10,
            dtype_hint=f"As entradas são float64 e {name} também deve ser.",
        )
        if failure is None:
            continue
        if failure.kind == "shape":
            B, Tq, Tk, dv = Q.shape[0], Q.shape[1], K.shape[1], V.shape[2]
            failure.hint = (
                f"pesos tem forma (B, T_q, T_k) = ({B}, {Tq}, {Tk}) e contexto (B, T_q, d_v) = "
                f"({B}, {Tq}, {dv}): um peso para cada par (consulta, chave)."
            )
            if index == 0 and np.shape(obtained[0]) == (B, Tq, K.shape[2]):
                failure.hint = (
                    "O contexto tem a dimensão das chaves: ele é a média ponderada dos VALORES "
                    "V, não das chaves K (contexto = pesos @ V)."
                )
        elif failure.kind == "nonfinite":
            failure.hint = (
                "Escores grandes transbordam o np.exp: subtraia o máximo de cada linha antes "
                "(a softmax não muda) e use −∞ só nas posições mascaradas."
            )
        elif failure.kind == "values":
            failure.hint = matches_any(
                obtained[index], [(lambda m=m, i=index: m()[i], h) for m, h in mistakes]
            )
        return failure
    return None


def _general_case(
    description: str,
    dims: tuple[int, int, int, int, int, int],
    lengths: tuple[int, ...],
    seed: int,
    hint: str,
    *,
    identity: bool = False,
    scale: float = 1.0,
) -> Case:
    B, Tq, Tk, dq, dk, dv = dims
    if len(lengths) != B:
        raise ValueError("lengths deve ter B comprimentos")

    def make_args():
        rng = np.random.default_rng(seed + 7000)
        Q = rng.normal(size=(B, Tq, dq))
        K = rng.normal(size=(B, Tk, dk))
        V = rng.normal(size=(B, Tk, dv))
        W = np.eye(dq, dk) if identity else rng.normal(size=(dq, dk)) * scale
        return Q, K, V, W, np.array(lengths, dtype=np.int64)

    return Case(
        description,
        make_args=make_args,
        judge=_judge_general,
        hint=hint,
        arg_names=("Q", "K", "V", "W", "lengths"),
    )


def _general_hidden(
    description: str,
    B: int = 3,
    Tq: int = 2,
    Tk: int = 7,
    dq: int = 5,
    dk: int = 3,
    dv: int = 4,
    lengths: tuple[int, ...] = (7, 4, 2),
    seed: int = 17,
) -> Case:
    return _general_case(description, (B, Tq, Tk, dq, dk, dv), lengths, seed, "")


# ---------------------------------------------------------------------- q2
def _beam_step(scores, log_probs, finished, k, eos, *, mistake: str = ""):
    """O passo certo (padrão) e variantes com erros típicos; devolve (escores, pais, símbolos)."""
    n, V = log_probs.shape
    with np.errstate(all="ignore"):
        if mistake == "no_accumulation":
            candidates = np.zeros((n, 1)) + log_probs
        elif mistake == "multiply_logs":
            candidates = scores[:, None] * log_probs
        elif mistake == "probabilities":
            candidates = np.exp(scores)[:, None] * np.exp(log_probs)
        else:
            candidates = scores[:, None] + log_probs  # (n, V)
        ended = np.full(V, -np.inf)
        ended[eos] = 0.0
        base = 0.0 if mistake == "no_accumulation" else scores[:, None]
        if mistake == "probabilities":
            ended_row, base = np.where(np.arange(V) == eos, 1.0, 0.0), np.exp(scores)[:, None]
            carried = base * ended_row
        else:
            carried = base + ended
        if mistake == "drop_finished":
            carried = np.full((n, V), -np.inf)
        if mistake != "extend_finished":
            candidates = np.where(finished[:, None], carried, candidates)
    flat = candidates.ravel()
    order = np.argsort(flat if mistake == "ascending" else -flat, kind="stable")[:k]
    if mistake == "index":
        return flat[order], order % n, order // n
    return flat[order], order // V, order % V


def _beam_mistakes(scores, log_probs, finished, k, eos, index: int) -> Mistakes:
    """Erros típicos do passo, comparados pelo campo ``index`` (0 escores, 1 pais, 2 símbolos)."""

    def run(mistake):
        return lambda: _beam_step(scores, log_probs, finished, k, eos, mistake=mistake)[index]

    table = [
        (
            "no_accumulation",
            "O escore de uma candidata é o escore ACUMULADO da hipótese mais a log-probabilidade "
            "do novo símbolo: scores[:, None] + log_probs. Você usou só log_probs.",
        ),
        (
            "multiply_logs",
            "Log-probabilidades se SOMAM (o produto das probabilidades vira a soma dos logs): "
            "scores[:, None] + log_probs, não scores[:, None] * log_probs.",
        ),
        (
            "probabilities",
            "Você multiplicou probabilidades (np.exp): além de devolver probabilidades no lugar "
            "de log-probabilidades, o produto some (vira 0) em sequências longas. Some as "
            "log-probabilidades: scores[:, None] + log_probs.",
        ),
        (
            "extend_finished",
            "Uma hipótese terminada não cresce: ela tem uma única candidata, ela mesma, com o "
            "símbolo eos e o MESMO escore (log-probabilidade 0 para eos, −∞ para o resto).",
        ),
        (
            "drop_finished",
            "As hipóteses terminadas foram descartadas: elas continuam no feixe, com o mesmo "
            "escore, competindo com as abertas (saem só se k candidatas forem melhores).",
        ),
        (
            "ascending",
            "A ordem ficou invertida: devolva as k MAIORES somas, da melhor para a pior.",
        ),
        (
            "index",
            "Pais e símbolos saíram trocados na conta do índice: com candidatas (n, V) achatadas "
            "em n·V, o pai é indice // V e o símbolo indice % V.",
        ),
    ]
    return [(run(m), hint) for m, hint in table]


def _judge_beam_step(obtained, args) -> Failure | None:
    scores, log_probs, finished, k, eos = args
    expected = _beam_step(scores, log_probs, finished, k, eos)
    failure = check_tuple(obtained, 3, "(escores, pais, simbolos)")
    if failure is not None:
        return failure
    fields = ((0, "escores", "float"), (1, "pais", "integer"), (2, "simbolos", "integer"))
    for index, name, kind in fields:
        failure = check_array(
            obtained[index],
            expected[index].astype(np.float64 if kind == "float" else np.int64),
            name=name,
            rtol=1e-9,
            atol=1e-12,
            dtype=kind,
        )
        if failure is None:
            continue
        if failure.kind == "shape":
            failure.hint = (
                f"Devolva exatamente k = {k} candidatas, escolhidas entre TODAS as n·V = "
                f"{log_probs.size} (não as melhores de cada hipótese)."
            )
        elif failure.kind == "values":
            mistakes = _beam_mistakes(scores, log_probs, finished, k, eos, index)
            failure.hint = matches_any(obtained[index], mistakes, rtol=1e-9, atol=1e-12)
        return failure
    return None


def _log_softmax(a: np.ndarray) -> np.ndarray:
    a = a - a.max(axis=-1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=-1, keepdims=True))


def _beam_case(
    description: str,
    n: int,
    V: int,
    k: int,
    seed: int,
    hint: str,
    *,
    finished: tuple[int, ...] = (),
    finished_score: float | None = None,
    offset: float = 0.0,
) -> Case:
    eos = 2

    def make_args():
        rng = np.random.default_rng(seed + 8000)
        scores = np.sort(rng.uniform(-4.0, -0.5, size=n))[::-1] + offset
        if n == 1:
            scores = np.array([offset])
        log_probs = _log_softmax(rng.normal(0.0, 2.0, size=(n, V)))
        done = np.zeros(n, dtype=bool)
        done[list(finished)] = True
        if finished_score is not None:
            scores[list(finished)] = finished_score + offset
        return scores.copy(), log_probs, done, k, eos

    return Case(
        description,
        make_args=make_args,
        judge=_judge_beam_step,
        hint=hint,
        arg_names=("scores", "log_probs", "finished", "k", "eos"),
    )


def _beam_hidden(
    description: str,
    n: int = 4,
    V: int = 7,
    k: int = 4,
    seed: int = 27,
    finished: tuple[int, ...] = (1,),
) -> Case:
    return _beam_case(description, n, V, k, seed, "", finished=finished)


# ---------------------------------------------------------------------- q3
def _best(tokens, scores, alpha, eos, *, mistake: str = "") -> tuple[int, np.ndarray]:
    k, L = tokens.shape
    is_eos = tokens == eos
    lengths = np.where(is_eos.any(axis=1), is_eos.argmax(axis=1) + 1, L).astype(np.float64)
    if mistake == "without_eos":
        lengths = np.where(is_eos.any(axis=1), is_eos.argmax(axis=1), L).astype(np.float64)
    elif mistake == "padded":
        lengths = np.full(k, float(L))
    if mistake == "multiply":
        normalized = scores * lengths**alpha
    elif mistake == "wu":
        normalized = scores / ((5.0 + lengths) / 6.0) ** alpha
    else:
        normalized = scores / lengths**alpha
    index = int(np.argmin(normalized)) if mistake == "argmin" else int(np.argmax(normalized))
    return index, normalized


def _best_mistakes(tokens, scores, alpha, eos) -> Mistakes:
    table = [
        (
            "without_eos",
            "O comprimento L conta o símbolo de fim: L = posição do primeiro eos + 1 (o eos "
            "também foi previsto e tem a sua log-probabilidade no escore).",
        ),
        (
            "padded",
            "Você usou o comprimento do array (com o preenchimento) para todas as hipóteses: "
            "L é o número de símbolos até o primeiro eos, inclusive (ou a largura toda, se "
            "não houver eos).",
        ),
        (
            "multiply",
            "Divida pelo fator, não multiplique: o escore é negativo, e multiplicar por L**alpha "
            "PUNE as saídas longas, o contrário do que a normalização quer.",
        ),
        (
            "wu",
            "Essa é a normalização de Wu et al. (2016), ((5 + L)/6)**alpha, a do capítulo. Aqui "
            "o enunciado pede a mais simples: escore / L**alpha.",
        ),
    ]
    return [(lambda m=m: _best(tokens, scores, alpha, eos, mistake=m)[1], h) for m, h in table]


def _judge_best(obtained, args) -> Failure | None:
    tokens, scores, alpha, eos = args
    index, normalized = _best(tokens, scores, alpha, eos)
    failure = check_tuple(obtained, 2, "(indice, normalizados)")
    if failure is not None:
        return failure
    failure = check_array(
        obtained[1],
        normalized,
        name="os escores normalizados",
        rtol=1e-9,
        atol=1e-12,
        dtype="float",
    )
    if failure is not None:
        if failure.kind == "values":
            failure.hint = matches_any(obtained[1], _best_mistakes(tokens, scores, alpha, eos))
        return failure
    got = obtained[0]
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        return Failure(
            "o índice deveria ser um inteiro",
            expected=f"int {index}",
            obtained=describe(got),
            hint="Converta com int(np.argmax(...)).",
            kind="type",
        )
    if int(got) != index:
        hint = None
        if int(got) == int(np.argmin(normalized)):
            hint = "Você pegou o MENOR escore normalizado; a melhor hipótese é a de maior escore."
        return Failure(
            "índice errado",
            expected=str(index),
            obtained=str(int(got)),
            detail="o índice é o da hipótese de maior escore normalizado",
            hint=hint,
        )
    return None


def _best_case(
    description: str,
    lengths: tuple[int | None, ...],
    width: int,
    alpha: float,
    seed: int,
    hint: str,
) -> Case:
    eos = 2

    def make_args():
        rng = np.random.default_rng(seed + 9000)
        k = len(lengths)
        tokens = np.zeros((k, width), dtype=np.int64)  # 0 é o preenchimento
        for i, n in enumerate(lengths):
            body = rng.integers(3, 13, size=width)
            if n is None:  # sem eos: ocupa a largura toda
                tokens[i] = body
            else:
                tokens[i, : n - 1] = body[: n - 1]
                tokens[i, n - 1] = eos
        # escores parecidos com os de um feixe: mais negativos para saídas mais longas
        L = np.array([width if n is None else n for n in lengths], dtype=np.float64)
        scores = -0.35 * L - rng.uniform(0.0, 0.6, size=k)
        return tokens, scores, alpha, eos

    return Case(
        description,
        make_args=make_args,
        judge=_judge_best,
        hint=hint,
        arg_names=("tokens", "scores", "alpha", "eos"),
    )


def _best_hidden(
    description: str,
    lengths: tuple[int | None, ...] = (3, None, 6, 2),
    width: int = 7,
    alpha: float = 0.8,
    seed: int = 37,
) -> Case:
    return _best_case(description, lengths, width, alpha, seed, "")


# ---------------------------------------------------------------------- q4
#: a arquitetura que a questão 4 fixa (o enunciado repete estes números)
MODEL_CONFIG = {"embed_dim": 16, "hidden_size": 48, "attention": "dot"}
_ARCH = ", ".join(f"{k}={v!r}" for k, v in MODEL_CONFIG.items())
#: acurácia exata mínima nos números que a resposta não recebeu
ACCURACY_BOUND = 0.75
_BOUND_TEXT = f"{ACCURACY_BOUND:g}".replace(".", ",")
#: quantos números (de 0 a 999) a resposta recebe para treinar
N_TRAIN = 700
MAX_OUTPUT = 32  # o maior extenso de 0 a 999 tem 27 caracteres


def split_spelling(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Os números de treino (``N_TRAIN``) e os de teste (o resto de 0 a 999) da questão 4."""
    order = np.random.default_rng(seed + 10_000).permutation(1000)
    return np.sort(order[:N_TRAIN]), np.sort(order[N_TRAIN:])


def _vocabs():
    from rnncourse.numbers_pt import DIGITS, TokenVocab, number_to_words

    return TokenVocab(DIGITS), TokenVocab.from_texts(number_to_words(n) for n in range(1000))


@contextmanager
def _single_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _load_model(obtained):
    """O ``Seq2Seq`` do enunciado com os pesos devolvidos, ou uma ``Failure``."""
    import torch

    from rnncourse.seq2seq import Seq2Seq

    src_vocab, tgt_vocab = _vocabs()
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), **MODEL_CONFIG)
    expected = model.state_dict()
    if not isinstance(obtained, dict):
        return None, Failure(
            "a resposta deveria ser um dicionário de pesos",
            expected=f"dict com {len(expected)} arrays (nome -> pesos)",
            obtained=describe(obtained),
            hint="Devolva {nome: tensor.detach().cpu().numpy() for nome, tensor in "
            "modelo.state_dict().items()}.",
            kind="type",
        )
    missing = sorted(set(expected) - set(obtained))
    extra = sorted(set(obtained) - set(expected))
    if missing or extra:
        hint = (
            f"Crie o modelo exatamente como no enunciado: Seq2Seq(13, len(VOCAB_SAIDA), {_ARCH})."
        )
        return None, Failure(
            "os nomes dos pesos não são os do Seq2Seq do enunciado",
            expected=f"{len(expected)} nomes, como {sorted(expected)[0]!r}",
            obtained=f"faltam {missing[:3]}; sobram {extra[:3]}",
            hint=hint,
            kind="keys",
        )
    state = {}
    for name, reference in expected.items():
        value = obtained[name]
        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):
            array = None
        if array is None or array.shape != tuple(reference.shape):
            shape = "?" if array is None else tuple(array.shape)
            hint = None
            if name.startswith("decoder.combine"):
                hint = (
                    "A camada combine tem entrada 2H com atenção e H sem ela: o modelo foi "
                    "criado com attention='dot'?"
                )
            return None, Failure(
                f"o peso {name!r} tem a forma errada",
                expected=f"forma {tuple(reference.shape)}",
                obtained=f"forma {shape} ({describe(value)})",
                hint=hint or f"Use {_ARCH}, como no enunciado.",
                kind="shape",
            )
        if not np.all(np.isfinite(array)):
            return None, Failure(
                f"o peso {name!r} tem valores não finitos",
                expected="pesos finitos",
                obtained="NaN ou infinito",
                hint="O treino divergiu: diminua a taxa de aprendizado ou corte o gradiente.",
                kind="nonfinite",
            )
        state[name] = torch.from_numpy(array)
    model.load_state_dict(state)
    return model, None


def _exact_match(model, numbers: np.ndarray) -> tuple[float, list[tuple[str, str]]]:
    """Acurácia exata da busca gulosa e alguns erros (previsto, correto) como exemplo."""
    import torch

    from rnncourse.decoding import greedy_decode
    from rnncourse.numbers_pt import encode_pairs, number_pairs

    src_vocab, tgt_vocab = _vocabs()
    sources, targets = number_pairs(numbers, "digits_to_words")
    arrays = encode_pairs(sources, targets, src_vocab, tgt_vocab)
    src = torch.from_numpy(arrays["src"])
    src_len = torch.from_numpy(arrays["src_len"])
    with _single_thread(), torch.no_grad():
        tokens, _ = greedy_decode(model, src, src_len, MAX_OUTPUT)
    predicted = [tgt_vocab.decode(row) for row in tokens.tolist()]
    errors = [(p, t) for p, t in zip(predicted, targets, strict=True) if p != t]
    return 1.0 - len(errors) / len(targets), errors


def _judge_spelling(seed: int):
    def judge(obtained, args) -> Failure | None:
        model, failure = _load_model(obtained)
        if failure is not None:
            return failure
        _, test = split_spelling(seed)
        accuracy, errors = _exact_match(model, test)
        if accuracy >= ACCURACY_BOUND:
            return None
        example = ""
        if errors:
            got, want = errors[0]
            example = f"por exemplo, {want!r} saiu {got!r}"
        hint = (
            "Confira o forçamento do professor: o decodificador lê BOS + y (tgt_in) e aprende "
            "a prever y + EOS (tgt_out), deslocado de um passo. Treine até a perda de treino "
            "ficar bem abaixo de 0,1 por símbolo."
        )
        if errors and all(got == "" for got, _ in errors[:20]):
            hint = (
                "O modelo devolve saídas vazias (EOS logo no primeiro passo): ele parece não ter "
                "sido treinado, ou aprendeu a ler o próprio alvo. O decodificador deve ler "
                "BOS + y e prever y + EOS."
            )
        return Failure(
            f"a acurácia exata nos números de teste não chegou a {_BOUND_TEXT}",
            expected=f"acurácia ≥ {_BOUND_TEXT} nos {len(test)} números que a função não recebeu",
            obtained=f"acurácia {format_number(accuracy)}",
            detail=example,
            hint=hint,
        )

    return judge


def _spelling_case(description: str, seed: int, weight: float = 1.0) -> Case:
    def make_args():
        train, _ = split_spelling(seed)
        return train, seed

    return Case(
        description,
        make_args=make_args,
        judge=_judge_spelling(seed),
        hint="",
        arg_names=("numbers", "seed"),
        time_limit=120.0,
        weight=weight,
        call_context=_single_thread,
    )


def _spelling_hidden(description: str, seed: int = 1) -> Case:
    return _spelling_case(description, seed)


# ---------------------------------------------------------------------- o banco
def build_questions() -> list[Question]:
    """As quatro questões da lista 7, com os casos públicos."""
    return [
        Question(
            "q1",
            'Atenção "general" com máscara de preenchimento',
            "general_attention",
            "general_attention(Q, K, V, W, lengths)",
            2.5,
            (
                _general_case(
                    "W = identidade e nenhum preenchimento: o escore vira o produto escalar",
                    (2, 3, 5, 4, 4, 6),
                    (5, 5),
                    0,
                    "Com W = I, e_ij = q_i · k_j; a softmax de cada consulta é sobre as chaves "
                    "(último eixo).",
                    identity=True,
                ),
                _general_case(
                    "W qualquer (não simétrica), sem preenchimento",
                    (2, 3, 5, 4, 4, 6),
                    (5, 5),
                    1,
                    "escores = Q @ W @ K.transpose(0, 2, 1), de forma (B, T_q, T_k).",
                ),
                _general_case(
                    "com preenchimento (lengths = [5, 2, 1]) e W retangular (d_q = 3, d_k = 4)",
                    (3, 2, 5, 3, 4, 6),
                    (5, 2, 1),
                    2,
                    "As chaves j >= lengths[b] recebem peso exatamente 0; com lengths[b] = 1, "
                    "todo o peso vai para a primeira chave.",
                ),
                _general_case(
                    "escores grandes (W com desvio 400): softmax estável, sem NaN",
                    (2, 2, 4, 3, 3, 2),
                    (4, 3),
                    3,
                    "Subtraia o máximo de cada linha antes do np.exp.",
                    scale=400.0,
                ),
            ),
            hidden_case=_general_hidden,
        ),
        Question(
            "q2",
            "Um passo da busca em feixe",
            "beam_step",
            "beam_step(scores, log_probs, finished, k, eos)",
            2.5,
            (
                _beam_case(
                    "primeiro passo: uma só hipótese (n = 1), V = 6, k = 3",
                    1,
                    6,
                    3,
                    0,
                    "No primeiro passo, as k candidatas são os k símbolos mais prováveis.",
                ),
                _beam_case(
                    "n = 3 hipóteses abertas, V = 6, k = 3",
                    3,
                    6,
                    3,
                    1,
                    "Candidatas: scores[:, None] + log_probs, forma (n, V); as k maiores entre "
                    "as n·V.",
                ),
                _beam_case(
                    "uma hipótese terminada com o melhor escore: ela fica, com o símbolo eos",
                    3,
                    5,
                    3,
                    2,
                    "Hipótese terminada: uma só candidata, com o mesmo escore e o símbolo eos.",
                    finished=(0,),
                    finished_score=-0.3,
                ),
                _beam_case(
                    "uma hipótese terminada com escore baixo: as abertas a tiram do feixe",
                    3,
                    5,
                    2,
                    3,
                    "A terminada compete com as abertas; só fica se estiver entre as k melhores.",
                    finished=(2,),
                    finished_score=-9.0,
                ),
                _beam_case(
                    "escores acumulados muito negativos (perto de −900), com uma terminada",
                    3,
                    6,
                    4,
                    4,
                    "Em probabilidades, exp(−900) vira 0 e todas as candidatas empatam: "
                    "trabalhe com log-probabilidades.",
                    finished=(1,),
                    offset=-900.0,
                ),
            ),
            hidden_case=_beam_hidden,
        ),
        Question(
            "q3",
            "A escolha final com normalização pelo comprimento",
            "best_hypothesis",
            "best_hypothesis(tokens, scores, alpha, eos)",
            2.0,
            (
                _best_case(
                    "alpha = 0: sem normalização, vence o maior escore",
                    (2, 5, 4),
                    6,
                    0.0,
                    0,
                    "Com alpha = 0, L**0 = 1: os escores normalizados são os próprios escores.",
                ),
                _best_case(
                    "alpha = 1: a média por símbolo; uma hipótese sem eos",
                    (2, 6, None, 4),
                    7,
                    1.0,
                    1,
                    "L conta os símbolos até o primeiro eos, inclusive; sem eos, L = largura.",
                ),
                _best_case(
                    "alpha = 0,6, cinco hipóteses",
                    (3, 2, 7, 5, 4),
                    8,
                    0.6,
                    2,
                    "normalizados = scores / L ** alpha; o índice é o do maior.",
                ),
            ),
            hidden_case=_best_hidden,
        ),
        Question(
            "q4",
            "Um modelo que escreve números por extenso",
            "train_spelling_model",
            "train_spelling_model(numbers, seed)",
            3.0,
            (
                _spelling_case(
                    f"treino com {N_TRAIN} números de 0 a 999; acurácia exata ≥ {_BOUND_TEXT} "
                    f"nos outros {1000 - N_TRAIN} (busca gulosa)",
                    seed=0,
                ),
            ),
            hidden_case=_spelling_hidden,
            warm_up=("torch",),
        ),
    ]
