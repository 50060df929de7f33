"""Decodificação de um modelo sequência para sequência: busca gulosa e busca em feixe.

As funções recebem qualquer modelo com a interface de ``rnncourse.seq2seq.Seq2Seq``:

- ``model.start(src, src_len)`` devolve o estado inicial, uma tupla de tensores com o lote no
  primeiro eixo;
- ``model.step(tokens (B,), estado)`` devolve ``(log-probabilidades (B, V), novo estado, ...)``;
- ``model.bos``, ``model.eos`` e ``model.pad``: os índices dos símbolos especiais.

O **escore** de uma saída ``y_1 ... y_L`` (com ``y_L = EOS``) é a soma das log-probabilidades,
``log p(y | x) = sum_t log p(y_t | y_<t, x)``. ``greedy_decode`` escolhe o símbolo mais provável a
cada passo. ``beam_search`` guarda as ``k`` saídas parciais de maior escore: a cada passo, cada
uma é estendida por todos os símbolos, e das ``k·V`` candidatas ficam as ``k`` de maior soma de
log-probabilidades. Uma hipótese que já terminou (emitiu ``EOS``) **continua no feixe**, com o
mesmo escore (ela só pode ser "estendida" por ``PAD``, a custo zero), e compete com as que ainda
estão abertas; a busca para quando as ``k`` terminaram ou ao fim de ``max_len`` passos. ``PAD``
e ``BOS`` nunca são escolhidos como saída. As duas funções trabalham em lote: todas as ``B·k``
hipóteses avançam juntas, num só ``model.step``.

Como a soma de log-probabilidades só diminui a cada símbolo, o escore puro favorece saídas
curtas. A escolha final entre as ``k`` hipóteses pode usar a **normalização pelo comprimento** de
Wu et al. (2016): ``escore / lp(L)``, com ``lp(L) = ((5 + L) / 6) ** alpha`` (``alpha = 0``: sem
normalização; ``alpha = 1``: quase a média por símbolo). Aqui a normalização entra só nessa
escolha final; a poda de cada passo usa o escore puro.

Fora do escopo: amostragem, penalidades de cobertura e de repetição, e parada antecipada por
limite de escore.
"""

from __future__ import annotations

import torch

__all__ = ["beam_search", "greedy_decode", "length_penalty", "sequence_log_prob"]


def length_penalty(length: torch.Tensor | float, alpha: float) -> torch.Tensor | float:
    """``((5 + L) / 6) ** alpha``, o divisor do escore de Wu et al. (2016); vale 1 com ``L = 1``."""
    if alpha < 0:
        raise ValueError(f"alpha deve ser >= 0, não {alpha}")
    return ((5.0 + length) / 6.0) ** alpha


def _allowed(log_probs: torch.Tensor, model) -> torch.Tensor:
    """As log-probabilidades com ``PAD`` e ``BOS`` em ``-inf``: eles nunca são saída."""
    log_probs = log_probs.clone()
    log_probs[:, [model.pad, model.bos]] = float("-inf")
    return log_probs


def _check_inputs(src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> None:
    if src.dim() != 2 or src_len.shape != src.shape[:1]:
        raise ValueError(
            f"src deve ter forma (B, S) e src_len (B,); recebi {tuple(src.shape)} e "
            f"{tuple(src_len.shape)}"
        )
    if int(max_len) != max_len or max_len < 1:
        raise ValueError(f"max_len deve ser um inteiro >= 1, não {max_len!r}")


@torch.no_grad()
def greedy_decode(
    model, src: torch.Tensor, src_len: torch.Tensor, max_len: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Busca gulosa em lote.

    Devolve ``(símbolos (B, L), escores (B,))``: cada linha traz a saída até o ``EOS`` (incluído)
    e ``PAD`` depois dele; o escore é a soma das log-probabilidades dos símbolos escolhidos.
    ``L <= max_len``; uma saída que não terminou em ``max_len`` passos fica sem ``EOS``.
    """
    _check_inputs(src, src_len, max_len)
    was_training = model.training
    model.eval()
    try:
        state = model.start(src, src_len)
        B = src.shape[0]
        tokens = torch.full((B,), model.bos, dtype=torch.long, device=src.device)
        finished = torch.zeros(B, dtype=torch.bool, device=src.device)
        scores = torch.zeros(B, device=src.device)
        out = []
        for _ in range(max_len):
            log_probs, state, *_ = model.step(tokens, state)  # (B, V)
            log_probs = _allowed(log_probs, model)
            best = log_probs.argmax(dim=-1)  # o símbolo mais provável de cada saída
            gained = log_probs.gather(1, best[:, None])[:, 0]
            tokens = torch.where(finished, model.pad, best)  # quem terminou só recebe PAD
            scores = scores + torch.where(finished, 0.0, gained)
            out.append(tokens)
            finished = finished | (tokens == model.eos)
            if bool(finished.all()):
                break
    finally:
        model.train(was_training)
    return torch.stack(out, dim=1), scores


@torch.no_grad()
def beam_search(
    model,
    src: torch.Tensor,
    src_len: torch.Tensor,
    beam_width: int,
    max_len: int,
    alpha: float = 0.0,
    return_beams: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Busca em feixe de largura ``beam_width``, em lote; normalização ``alpha`` na escolha final.

    Devolve ``(símbolos (B, L), escores (B,))`` da melhor hipótese de cada entrada, no mesmo
    formato de ``greedy_decode``; o escore devolvido é a soma pura das log-probabilidades (sem a
    normalização, que só decide qual hipótese vence). Com ``return_beams=True``, devolve as ``k``
    hipóteses, ``(B, k, L)`` e ``(B, k)``, ordenadas da melhor para a pior pelo escore
    normalizado. Com ``beam_width=1`` o resultado é o da busca gulosa.
    """
    _check_inputs(src, src_len, max_len)
    if int(beam_width) != beam_width or beam_width < 1:
        raise ValueError(f"beam_width deve ser um inteiro >= 1, não {beam_width!r}")
    k, B, device = int(beam_width), src.shape[0], src.device
    was_training = model.training
    model.eval()
    try:
        # cada entrada vira k cópias: o lote da decodificação tem B·k hipóteses
        state = tuple(x.repeat_interleave(k, dim=0) for x in model.start(src, src_len))
        scores = torch.full((B, k), float("-inf"), device=device)
        scores[:, 0] = 0.0  # no começo só há uma hipótese (a vazia), não k cópias dela
        tokens = torch.full((B * k,), model.bos, dtype=torch.long, device=device)
        finished = torch.zeros(B, k, dtype=torch.bool, device=device)
        lengths = torch.zeros(B, k, device=device)  # símbolos emitidos até o EOS, inclusive
        history = torch.empty(B, k, 0, dtype=torch.long, device=device)
        offsets = torch.arange(B, device=device)[:, None] * k  # início de cada entrada no lote
        for _ in range(max_len):
            log_probs, state, *_ = model.step(tokens, state)  # (B·k, V)
            V = log_probs.shape[-1]
            log_probs = _allowed(log_probs, model).view(B, k, V)
            # uma hipótese terminada só pode receber PAD, e sem custo: o escore não muda
            ended = torch.full((V,), float("-inf"), device=device)
            ended[model.pad] = 0.0
            log_probs = torch.where(finished[..., None], ended, log_probs)
            candidates = scores[..., None] + log_probs  # (B, k, V): soma de log-probabilidades
            scores, flat = candidates.view(B, k * V).topk(k, dim=-1)  # as k melhores de k·V
            parent, token = flat // V, flat % V  # de qual hipótese veio e que símbolo acrescenta
            kept = history.gather(1, parent[..., None].expand(-1, -1, history.shape[2]))
            history = torch.cat([kept, token[..., None]], dim=2)  # (B, k, passos)
            was_finished = finished.gather(1, parent)
            lengths = lengths.gather(1, parent) + (~was_finished).float()
            finished = was_finished | (token == model.eos)
            state = tuple(x.index_select(0, (offsets + parent).view(-1)) for x in state)
            tokens = token.view(-1)
            if bool(finished.all()):
                break
    finally:
        model.train(was_training)
    final = scores / length_penalty(lengths.clamp(min=1.0), alpha)
    order = final.argsort(dim=-1, descending=True)  # (B, k)
    history = history.gather(1, order[..., None].expand(-1, -1, history.shape[2]))
    scores = scores.gather(1, order)
    if return_beams:
        return history, scores
    return history[:, 0], scores[:, 0]


@torch.no_grad()
def sequence_log_prob(
    model, src: torch.Tensor, src_len: torch.Tensor, tokens: torch.Tensor
) -> torch.Tensor:
    """``log p(y | x)`` de saídas dadas, ``tokens (B, L)`` (até o ``EOS``, ``PAD`` depois).

    Usa o forçamento do professor: o decodificador lê ``BOS, y_1, ..., y_{L-1}`` e somam-se as
    log-probabilidades de ``y_1, ..., y_L``; posições ``PAD`` não contam. É o escore que
    ``greedy_decode`` e ``beam_search`` calculam passo a passo.
    """
    was_training = model.training
    model.eval()
    try:
        bos = torch.full_like(tokens[:, :1], model.bos)
        tgt_in = torch.cat([bos, tokens[:, :-1]], dim=1)
        tgt_in = tgt_in.masked_fill(tgt_in == model.eos, model.pad)  # depois do EOS, nada
        logits, *_ = model(src, src_len, tgt_in)
        log_probs = torch.log_softmax(logits, dim=-1).gather(2, tokens[..., None])[..., 0]
    finally:
        model.train(was_training)
    return log_probs.masked_fill(tokens == model.pad, 0.0).sum(dim=1)
