#!/usr/bin/env bash
# Roda todos os testes do curso num único pytest; sai com erro se qualquer um falhar.
#
# Uso:
#     bash tools/test.sh                 # tudo (é o que o CI roda, via .ci/run)
#     bash tools/test.sh -k ngram        # argumentos extras vão para o pytest
#
# Prepara o ambiente (tools/setup_env.sh: .venv com pip install -e ".[book,test]",
# e o chromium do Debian quando roda como root) e chama o pytest sobre tests/: testes do
# pacote e do avaliador, ruff, notebooks limpos, cabeçalhos sincronizados; cada capítulo e
# cada fonte de lista (com as soluções) executado uma vez, com RNNCOURSE_SEED=1 e
# OMP_NUM_THREADS=1 (tests/test_notebook_execution.py); a construção do site, que reusa
# essas execuções; o navegador; o caminho do Colab. A ordem (rápidos primeiro, construção
# do site e caminho do Colab por último) é definida em tests/conftest.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=tools/setup_env.sh
source tools/setup_env.sh
start=$SECONDS
ensure_venv
ensure_chromium
ensure_bubblewrap
echo "preparação do ambiente: $((SECONDS - start)) s" >&2

export PATH="$(cd "$VENV_DIR/bin" && pwd):$PATH"
# Teste de robustez de graça: os notebooks rodam com OUTRA semente que a dos leitores (0) e
# uma thread (as afirmações sobre treinos têm de valer para qualquer semente e qualquer CPU).
# Uma thread por kernel também deixa dois notebooks rodarem juntos nos 2 núcleos sem
# disputa. Mais perturbações (antes de cada entrega): tools/check_robustness.py.
export RNNCOURSE_SEED="${RNNCOURSE_SEED:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
echo "notebooks com RNNCOURSE_SEED=$RNNCOURSE_SEED e OMP_NUM_THREADS=$OMP_NUM_THREADS" >&2
set +e
"$VENV_DIR/bin/python" -m pytest -p no:cacheprovider tests "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
    echo "erro: o pytest não coletou nenhum teste (código 5)" >&2
    exit 1
fi
echo "tempo total de tools/test.sh: $((SECONDS - start)) s" >&2
exit "$rc"
