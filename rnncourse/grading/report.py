"""Os relatórios das listas em texto simples e em HTML (Jupyter e Colab).

O mesmo conteúdo nas duas formas: para cada caso, o que foi testado, se
passou e, quando falhou, o problema, o esperado, o obtido, um detalhe (a
primeira posição diferente) e uma dica. O texto serve ao terminal, aos
arquivos de devolutiva da correção em lote e ao ``results.json`` do
Gradescope; o HTML, ao notebook. As cores seguem a paleta de Okabe e Ito
(azul = passou, vermelhão = falhou), sempre acompanhadas de símbolo e palavra,
para quem não distingue cores.

Fora do escopo: o cálculo dos pontos (``core.py``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # só para as anotações; evita importação circular
    from rnncourse.grading.core import CaseResult, ListSummary, QuestionReport

__all__ = ["format_points", "question_html", "question_text", "summary_html", "summary_text"]

PASS_COLOR = "#0072B2"
FAIL_COLOR = "#D55E00"
SKIP_COLOR = "#777777"


def format_points(value: float) -> str:
    """Pontos no formato brasileiro: ``1.5`` -> ``"1,5"``, ``2.0`` -> ``"2"``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _question_header(report: QuestionReport) -> str:
    q = report.question
    return (
        f"Questão {q.id.removeprefix('q')} — {q.title} ({q.answer_name}): "
        f"{format_points(report.points)} de {format_points(q.points)} ponto(s) [{report.status}]"
    )


def _case_lines(result: CaseResult) -> list[tuple[str, str]]:
    """Pares (rótulo, texto) com os detalhes de um caso que falhou."""
    f = result.failure
    lines: list[tuple[str, str]] = []
    if f is not None:
        lines.append(("problema", f.summary))
        if f.expected:
            lines.append(("esperado", f.expected))
        if f.obtained:
            lines.append(("obtido", f.obtained))
        if f.detail:
            lines.append(("detalhe", f.detail))
    if result.hint:
        lines.append(("dica", result.hint))
    return lines


def _same_as_previous(results: list[CaseResult]) -> list[bool]:
    """Marca as falhas iguais à falha anterior (o mesmo erro em todos os casos)."""
    marks, previous = [], None
    for result in results:
        f = result.failure
        key = None
        if not result.passed and f is not None and f.kind not in {"values", "keys", "length"}:
            key = (f.kind, f.summary, f.obtained, f.detail)
        marks.append(key is not None and key == previous)
        previous = key if not result.passed and not result.skipped else None
    return marks


def _indent(text: str, prefix: str) -> str:
    return ("\n" + prefix).join(text.splitlines())


def question_text(report: QuestionReport) -> str:
    """O relatório de uma questão em texto simples."""
    out = [_question_header(report)]
    if report.answer_label and report.answer_label not in {report.question.answer_name, "<lambda>"}:
        out.append(
            f"  (aviso: a função verificada se chama {report.answer_label}; "
            f"o enunciado pede {report.question.answer_name})"
        )
    for result, repeated in zip(report.results, _same_as_previous(report.results), strict=True):
        if result.skipped:
            out.append(f"  · não rodou: {result.description}")
            continue
        mark = "✔ passou" if result.passed else "✘ falhou"
        if repeated:
            out.append(f"  {mark}: {result.description} (o mesmo problema do caso anterior)")
            continue
        out.append(f"  {mark}: {result.description}")
        for label, text in _case_lines(result):
            out.append(f"      {label + ':':10s}{_indent(text, ' ' * 16)}")
    if report.note:
        out.append(f"  {report.note}")
    return "\n".join(out)


def _html_value(label: str, text: str) -> str:
    """Arrays e números em fonte monoespaçada; frases (problema, dica) em texto normal."""
    if label in {"esperado", "obtido", "detalhe"}:
        return f'<pre style="margin:0;white-space:pre-wrap;font-size:90%">{html.escape(text)}</pre>'
    return f'<span style="white-space:pre-wrap">{html.escape(text)}</span>'


def question_html(report: QuestionReport) -> str:
    """O relatório de uma questão em HTML (com estilos embutidos, sem CSS externo)."""
    e = html.escape
    ok = report.status == "completa"
    color = PASS_COLOR if ok else FAIL_COLOR
    rows = []
    for result, repeated in zip(report.results, _same_as_previous(report.results), strict=True):
        if repeated:
            rows.append(
                f'<li><span style="color:{FAIL_COLOR};font-weight:bold">✘ falhou</span>: '
                f"{e(result.description)} <em>(o mesmo problema do caso anterior)</em></li>"
            )
            continue
        if result.skipped:
            rows.append(f'<li style="color:{SKIP_COLOR}">· não rodou: {e(result.description)}</li>')
            continue
        if result.passed:
            rows.append(
                f'<li><span style="color:{PASS_COLOR};font-weight:bold">✔ passou</span>: '
                f"{e(result.description)}</li>"
            )
            continue
        details = "".join(
            f'<tr><td style="padding:0 .6em 0 0;vertical-align:top;font-weight:bold">'
            f'{e(label)}</td><td style="vertical-align:top">{_html_value(label, text)}</td></tr>'
            for label, text in _case_lines(result)
        )
        rows.append(
            f'<li><span style="color:{FAIL_COLOR};font-weight:bold">✘ falhou</span>: '
            f'{e(result.description)}<table style="margin:.2em 0 .4em 1em">{details}</table></li>'
        )
    warning = ""
    if report.answer_label and report.answer_label not in {report.question.answer_name, "<lambda>"}:
        warning = (
            f"<p><em>Aviso: a função verificada se chama <code>{e(report.answer_label)}</code>; "
            f"o enunciado pede <code>{e(report.question.answer_name)}</code>.</em></p>"
        )
    note = f"<p><em>{e(report.note)}</em></p>" if report.note else ""
    return (
        f'<div style="border-left:4px solid {color};padding:.3em .8em;margin:.3em 0">'
        f'<div style="font-weight:bold;color:{color}">{e(_question_header(report))}</div>'
        f'{warning}<ul style="list-style:none;padding-left:.2em;margin:.3em 0">{"".join(rows)}</ul>'
        f"{note}</div>"
    )


def _summary_rows(summary: ListSummary) -> list[tuple[str, str, str, str]]:
    rows = []
    for question, report in summary.rows:
        if report is None:
            points, status = f"0 / {format_points(question.points)}", "não verificada"
        else:
            points = f"{format_points(report.points)} / {format_points(question.points)}"
            status = report.status
        rows.append((question.id, question.answer_name, points, status))
    return rows


def summary_text(summary: ListSummary) -> str:
    """A tabela da lista em texto simples."""
    rows = _summary_rows(summary)
    total = f"{format_points(summary.total)} / {format_points(summary.max_total)}"
    width = max([len("função")] + [len(r[1]) for r in rows])
    out = [
        f"Resumo da {summary.list_id}: {summary.title}",
        f"{'questão':8s} {'função':{width}s}  {'pontos':>10s}  situação",
    ]
    out += [f"{qid:8s} {name:{width}s}  {pts:>10s}  {status}" for qid, name, pts, status in rows]
    out.append(f"{'total':8s} {'':{width}s}  {total:>10s}")
    return "\n".join(out)


def summary_html(summary: ListSummary) -> str:
    """A tabela da lista em HTML."""
    e = html.escape
    pad = ' style="padding:.1em .8em"'
    cells = []
    for qid, name, pts, status in _summary_rows(summary):
        color = PASS_COLOR if status == "completa" else FAIL_COLOR
        cells.append(
            f"<tr><td{pad}>{e(qid)}</td><td{pad}><code>{e(name)}</code></td>"
            f'<td style="text-align:right;padding:.1em .8em">{e(pts)}</td>'
            f'<td style="color:{color};padding:.1em .8em">{e(status)}</td></tr>'
        )
    total = f"{format_points(summary.total)} / {format_points(summary.max_total)}"
    return (
        f"<div><strong>Resumo da {e(summary.list_id)}: {e(summary.title)}</strong>"
        '<table style="border-collapse:collapse;margin-top:.3em">'
        "<thead><tr><th>questão</th><th>função</th><th>pontos</th><th>situação</th></tr></thead>"
        f"<tbody>{''.join(cells)}</tbody>"
        f'<tfoot><tr><th colspan="2" style="text-align:left">total</th>'
        f'<th style="text-align:right">{e(total)}</th><th></th></tr></tfoot></table></div>'
    )
