"""Linha de comando da correção em lote e do pacote para o Gradescope.

Uso::

    python -m rnncourse.grading corrigir SUBMISSOES --lista 2 --saida notas/
    python -m rnncourse.grading gradescope --lista 2 [--fonte FONTE] [--saida autograder.zip]
    python -m rnncourse.grading listas

``corrigir`` roda cada ``.ipynb`` de ``SUBMISSOES`` (uma pasta ou um único
arquivo) numa caixa de areia (``bwrap``), várias ao mesmo tempo, e escreve em
``--saida``: ``notas.csv`` (uma linha por submissão, gravada assim que ela
termina), ``devolutivas/`` (um ``.txt`` por estudante), ``relatorio.txt`` e,
com ``--gradescope``, ``gradescope/<nome>/results.json``. Rodar de novo com a
mesma saída retoma de onde parou. As submissões nunca são alteradas.
``gradescope`` escreve o ``.zip`` do autograder (``setup.sh`` e
``run_autograder``) com esta versão do pacote. Veja ``exercises/README.md``.
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
        help="segundos para os casos de cada notebook, somados (padrão 300)",
    )
    grade.add_argument(
        "--memoria-mb",
        type=int,
        default=6144,
        help="espaço de endereçamento de cada processo da submissão, em MB (0 desliga; "
        "padrão 6144)",
    )
    grade.add_argument(
        "--trabalhadores",
        type=int,
        default=None,
        help="submissões corrigidas ao mesmo tempo (padrão: o número de núcleos)",
    )
    grade.add_argument(
        "--isolamento",
        choices=["bwrap", "processo", "auto"],
        default="bwrap",
        help="bwrap (padrão): cada submissão numa caixa de areia do bubblewrap, e recusa "
        "corrigir sem ele; processo: um processo comum, SEM caixa de areia (modo mais fraco); "
        "auto: bwrap quando funciona, processo quando não",
    )
    grade.add_argument(
        "--recomecar",
        action="store_true",
        help="corrige tudo de novo, sem aproveitar as linhas de um notas.csv existente",
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
    gs = sub.add_parser("gradescope", help="escreve o .zip do autograder do Gradescope")
    gs.add_argument("--lista", required=True, help="a lista: 1, 2 ou lista_02")
    gs.add_argument(
        "--fonte",
        type=Path,
        default=None,
        help="notebook fonte com as células de instrutor (padrão: a fonte do repositório, "
        "se existir); só as chamadas adicionar_teste_oculto vão para o .zip",
    )
    gs.add_argument("--sem-testes-do-instrutor", action="store_true", help="só os testes públicos")
    gs.add_argument(
        "--saida",
        type=Path,
        default=None,
        help="caminho do .zip (padrão: autograder_<lista>.zip na pasta atual)",
    )
    auto = sub.add_parser(
        "autograder",
        help="(dentro do Gradescope, chamado por run_autograder) corrige /autograder/submission",
    )
    auto.add_argument("--lista", required=True)
    auto.add_argument("--raiz", type=Path, default=Path("/autograder"))
    auto.add_argument("--fonte", type=Path, default=None)
    auto.add_argument("--sem-testes-do-instrutor", action="store_true")
    auto.add_argument("--isolamento", choices=["bwrap", "processo", "auto"], default="auto")
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

    try:
        list_id = canonical_list_id(args.lista)
    except ValueError as err:
        print(f"erro: {err}", file=sys.stderr)
        return 2
    source = None
    if not args.sem_testes_do_instrutor:
        from rnncourse.grading.batch import default_source

        source = args.fonte or default_source(list_id)
        if source is None:
            print(
                "aviso: não encontrei a fonte da lista; só os testes públicos "
                "(use --fonte para indicar o notebook com as células de instrutor)",
                file=sys.stderr,
            )
        elif not source.is_file():
            print(f"erro: a fonte {source} não existe", file=sys.stderr)
            return 2
    if args.comando == "gradescope":
        return _gradescope(args, list_id, source)
    if args.comando == "autograder":
        from rnncourse.grading.gradescope import run_autograder

        return run_autograder(list_id, args.raiz, source, args.isolamento)
    return _grade(args, list_id, source)


def _gradescope(args: argparse.Namespace, list_id: str, source: Path | None) -> int:
    from rnncourse.grading.gradescope import build_autograder

    out = args.saida or Path(f"autograder_{list_id}.zip")
    try:
        build_autograder(list_id, out, source)
    except ValueError as err:
        print(f"erro: {err}", file=sys.stderr)
        return 2
    print(f"autograder do Gradescope em {out}")
    return 0


def _grade(args: argparse.Namespace, list_id: str, source: Path | None) -> int:
    from rnncourse.grading.batch import (
        GradingLimits,
        find_submissions,
        grade_folder,
        gradescope_results,
    )
    from rnncourse.grading.sandbox import IsolationError

    if not args.submissoes.exists():
        print(f"erro: {args.submissoes} não existe", file=sys.stderr)
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
            workers=args.trabalhadores,
            isolation=args.isolamento,
            restart=args.recomecar,
        )
    except (ValueError, IsolationError) as err:
        print(f"erro: {err}", file=sys.stderr)
        return 2
    if args.resultado_gradescope is not None:
        args.resultado_gradescope.parent.mkdir(parents=True, exist_ok=True)
        args.resultado_gradescope.write_text(
            json.dumps(gradescope_results(results[0], list_id), ensure_ascii=False, indent=1)
            + "\n",
            encoding="utf-8",
        )
    print(f"notas em {args.saida / 'notas.csv'}; devolutivas em {args.saida / 'devolutivas'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
