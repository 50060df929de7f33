"""Linha de comando da correção em lote.

Uso::

    python -m rnncourse.grading corrigir SUBMISSOES --lista 2 --saida notas/
    python -m rnncourse.grading listas

``corrigir`` roda cada ``.ipynb`` de ``SUBMISSOES`` (uma pasta ou um único
arquivo) num kernel separado e escreve em ``--saida``: ``notas.csv`` (uma
linha por submissão, uma coluna por questão e o total), ``devolutivas/`` (um
``.txt`` por estudante) e, com ``--gradescope``, ``gradescope/<nome>/results.json``.
As submissões nunca são alteradas. Veja ``exercises/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnncourse.grading.core import build_list, canonical_list_id, listas_disponiveis

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.grading",
        description="Correção das listas de exercícios do curso de RNNs.",
    )
    sub = parser.add_subparsers(dest="comando", required=True)
    sub.add_parser("listas", help="mostra as listas disponíveis e quanto vale cada questão")
    grade = sub.add_parser("corrigir", help="corrige uma pasta de notebooks submetidos")
    grade.add_argument("submissoes", type=Path, help="pasta com os .ipynb (ou um único .ipynb)")
    grade.add_argument("--lista", required=True, help="a lista: 1, 2 ou lista_02")
    grade.add_argument(
        "--saida", required=True, type=Path, help="pasta para as notas e devolutivas"
    )
    grade.add_argument(
        "--fonte",
        type=Path,
        default=None,
        help="notebook fonte com as células de instrutor (padrão: "
        "exercises/sources/<lista>_fonte.ipynb, se existir)",
    )
    grade.add_argument(
        "--sem-testes-do-instrutor",
        action="store_true",
        help="corrige só com os testes públicos",
    )
    grade.add_argument(
        "--tempo-limite",
        type=float,
        default=120.0,
        help="segundos para rodar as células de cada notebook (padrão 120)",
    )
    grade.add_argument(
        "--tempo-correcao",
        type=float,
        default=300.0,
        help="segundos para as células de correção de cada notebook (padrão 300)",
    )
    grade.add_argument(
        "--memoria-mb",
        type=int,
        default=6144,
        help="limite de espaço de endereçamento do kernel em MB (0 desliga; padrão 6144)",
    )
    grade.add_argument(
        "--gradescope", action="store_true", help="escreve também gradescope/<nome>/results.json"
    )
    grade.add_argument(
        "--resultado-gradescope",
        type=Path,
        default=None,
        help="com uma única submissão: caminho do results.json (no Gradescope, "
        "/autograder/results/results.json)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.comando == "listas":
        for list_id in listas_disponiveis():
            lista = build_list(list_id)
            print(f"{list_id}: {lista.title} ({lista.max_total:g} pontos)")
            for q in lista.questions.values():
                print(f"  {q.id}  {q.signature}  {q.points:g} ponto(s)")
        return 0

    from rnncourse.grading.batch import (
        GradingLimits,
        default_source,
        find_submissions,
        grade_folder,
        gradescope_results,
    )

    try:
        list_id = canonical_list_id(args.lista)
    except ValueError as err:
        print(f"erro: {err}", file=sys.stderr)
        return 2
    if not args.submissoes.exists():
        print(f"erro: {args.submissoes} não existe", file=sys.stderr)
        return 2
    source = None
    if not args.sem_testes_do_instrutor:
        source = args.fonte or default_source(list_id)
        if source is None:
            print(
                "aviso: não encontrei a fonte da lista; corrigindo só com os testes públicos "
                "(use --fonte para indicar o notebook com as células de instrutor)",
                file=sys.stderr,
            )
        elif not source.is_file():
            print(f"erro: a fonte {source} não existe", file=sys.stderr)
            return 2
    submissions = find_submissions(args.submissoes)
    if not submissions:
        print(f"erro: nenhum .ipynb em {args.submissoes}", file=sys.stderr)
        return 2
    if args.resultado_gradescope is not None and len(submissions) != 1:
        print("erro: --resultado-gradescope exige uma única submissão", file=sys.stderr)
        return 2
    limits = GradingLimits(
        student_seconds=args.tempo_limite,
        grading_seconds=args.tempo_correcao,
        memory_mb=args.memoria_mb,
    )
    try:
        results = grade_folder(
            args.submissoes,
            list_id,
            args.saida,
            source=source,
            limits=limits,
            gradescope=args.gradescope,
            progress=lambda line: print(line, file=sys.stderr),
        )
    except ValueError as err:
        print(f"erro: {err}", file=sys.stderr)
        return 2
    if args.resultado_gradescope is not None:
        args.resultado_gradescope.parent.mkdir(parents=True, exist_ok=True)
        args.resultado_gradescope.write_text(
            json.dumps(gradescope_results(results[0], list_id), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    print(f"notas em {args.saida / 'notas.csv'}; devolutivas em {args.saida / 'devolutivas'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
