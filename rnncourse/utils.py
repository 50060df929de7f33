"""Reprodutibilidade e escolha do dispositivo.

``set_seed`` fixa as sementes de ``random``, numpy e PyTorch de uma vez;
``get_device`` escolhe a GPU quando existe (no Colab, por exemplo) e a CPU
caso contrário. O torch só é importado dentro das funções, para que o
``import rnncourse`` continue leve.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

__all__ = ["get_device", "set_seed"]


def set_seed(seed: int = 0) -> np.random.Generator:
    """Fixa as sementes de ``random``, numpy e PyTorch e devolve um ``np.random.Generator``.

    O gerador devolvido é o que as funções de numpy do curso recebem
    explicitamente (``rng``); a semente global do numpy também é fixada para
    código de terceiros que ainda usa ``np.random.*``.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"a semente deve ser um inteiro não negativo, não {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed)
    # Só mexe no torch se ele já foi importado ou se está instalado: set_seed
    # não deve, sozinho, obrigar a carregar o torch em código só de numpy.
    torch = sys.modules.get("torch")
    if torch is None:
        try:
            import torch  # noqa: PLC0415
        except ImportError:  # pragma: no cover - o torch é dependência do pacote
            torch = None
    if torch is not None:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def get_device(prefer: str | None = None):
    """Devolve o ``torch.device`` a usar: ``cuda`` se houver GPU, senão ``cpu``.

    ``prefer`` força uma escolha (``"cpu"`` ou ``"cuda"``); pedir ``"cuda"``
    numa máquina sem GPU gera um erro claro em vez de uma falha mais adiante.
    """
    import torch

    if prefer is not None:
        if prefer not in {"cpu", "cuda"}:
            raise ValueError(f"dispositivo desconhecido {prefer!r}: use 'cpu' ou 'cuda'")
        if prefer == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(
                "foi pedida a GPU ('cuda'), mas nenhuma está disponível. "
                "No Colab: Ambiente de execução > Alterar o tipo de ambiente > GPU."
            )
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
