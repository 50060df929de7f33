"""As páginas do site num navegador de verdade: o Chromium do Debian, sem interface e sem internet.

Cada página feita de um notebook, e a página inicial, é aberta a partir de um
servidor HTTP local (127.0.0.1). Depois que os scripts da página rodaram, o
teste confere:

- as equações foram compostas pelo MathJax servido com o site: cada elemento
  ``.math`` contém um ``<mjx-container>``, nenhum tem erro de TeX
  (``<mjx-merror>``) e não sobra delimitador cru (``\\[``, ``\\(``, ``$$``) no texto;
- toda imagem carregou (``naturalWidth > 0``, medido pelo próprio navegador);
- nenhuma requisição saiu da máquina (o navegador roda com a resolução de nomes
  bloqueada para todo endereço que não seja 127.0.0.1, como numa máquina sem
  rede), nenhum arquivo do site faltou (HTTP >= 400) e nenhum script lançou exceção;
- nas páginas de notebook, todo link para o Colab é exatamente
  ``https://colab.research.google.com/github/<org>/<repo>/blob/<ramo>/<caminho>.ipynb``,
  montado a partir de ``_config.yml``.

Também grava capturas de tela em ``_build/screenshots/`` (o topo de cada página
e, quando há, a primeira equação em destaque), para uma pessoa conferir.

O navegador é comandado pelo protocolo DevTools num par de pipes
(``--remote-debugging-pipe``), só com a biblioteca padrão. No CI (``CI=true``)
o teste nunca é pulado: sem o chromium, falha.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from book_layout import ROOT, Page, fail_or_skip, toc_pages

pytestmark = pytest.mark.stage(2)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,900",
    # sem rede: qualquer nome que não seja 127.0.0.1 deixa de existir
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PAGE_TIMEOUT_S = 90
# Exceções de JavaScript conhecidas e inofensivas, com o motivo. Nenhuma outra é tolerada.
KNOWN_JS_ERRORS = {
    # sphinx-thebe 0.3.1 com o Sphinx 7.4 do Jupyter Book 1 põe duas vezes na página o
    # <script> que declara a configuração do thebe; a segunda declaração falha e a
    # primeira continua valendo. O curso não usa o thebe (execução no navegador).
    "Identifier 'THEBE_JS_URL' has already been declared",
}
SCREENSHOTS = ROOT / "_build" / "screenshots"

# Roda dentro da página depois do evento "load". Espera o MathJax terminar a
# composição inicial e as imagens carregarem, e devolve o que o teste confere.
PAGE_REPORT_JS = r"""
(async (hasMath) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const start = Date.now();
  let mathjax = null;
  if (hasMath) {
    const ready = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
    while (!ready() && Date.now() - start < 30000) await sleep(100);
    if (ready()) {
      await MathJax.startup.promise;
      mathjax = MathJax.version;
    }
  }
  for (const img of document.images) if (img.loading === "lazy") img.loading = "eager";
  await Promise.all(Array.from(document.images, (img) => img.complete ? null :
    new Promise((r) => {
      img.addEventListener("load", r, {once: true});
      img.addEventListener("error", r, {once: true});
      setTimeout(r, 15000);
    })));
  await document.fonts.ready;
  const skip = new Set(["SCRIPT", "STYLE", "PRE", "CODE", "TEXTAREA", "NOSCRIPT",
                        "MJX-CONTAINER"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let e = node.parentElement; e; e = e.parentElement)
        if (skip.has(e.tagName)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    }});
  const raw = [];
  for (let node; (node = walker.nextNode()); ) {
    const text = node.nodeValue;
    if (["\\[", "\\(", "$$"].some((d) => text.includes(d))) raw.push(text.trim().slice(0, 100));
  }
  const math = Array.from(document.querySelectorAll(".math"));
  const firstMath = document.querySelector("div.math") || math[0];
  const box = firstMath ? firstMath.getBoundingClientRect() : null;
  return {
    mathjax,
    mathElements: math.length,
    containers: document.querySelectorAll("mjx-container").length,
    untypeset: math.filter((e) => !e.querySelector("mjx-container"))
                   .map((e) => e.textContent.trim().slice(0, 100)),
    texErrors: Array.from(document.querySelectorAll("mjx-merror"),
                          (e) => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 120)),
    raw,
    images: Array.from(document.images, (img) => ({
      src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth})),
    colabLinks: Array.from(document.querySelectorAll('a[href*="colab.research.google.com"]'),
                           (a) => a.href),
    firstMathY: box ? box.top + window.scrollY : null,
    pageHeight: document.documentElement.scrollHeight,
  };
})
"""


class DevTools:
    """Cliente mínimo do protocolo DevTools do Chromium por ``--remote-debugging-pipe``.

    O Chromium lê comandos JSON (terminados por um byte nulo) do descritor 3 e
    escreve respostas e eventos no descritor 4. Uma thread lê as mensagens e as
    separa em respostas (por ``id``) e eventos.
    """

    def __init__(self, executable: str, profile: Path, log: Path) -> None:
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        # As pontas do filho vão para os descritores 3 e 4 por um bash que faz o
        # redirecionamento e dá lugar ao chromium (exec). Antes, as afasto para >= 10,
        # para o redirecionamento de uma não sobrescrever a outra.
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(out_w)
        wire = f'exec "$0" "$@" 3<&{child_r} 4>&{child_w} {child_r}<&- {child_w}>&-'
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                "bash",
                "-c",
                wire,
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            pass_fds=(child_r, child_w),
        )
        os.close(child_r)
        os.close(child_w)
        self._write_fd = cmd_w
        self._read_fd = out_r
        self._cond = threading.Condition()
        self._responses: dict[int, dict] = {}
        self._events: list[dict] = []
        self._closed = False
        self._next_id = 0
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        buf = bytearray()
        while True:
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            scan_from = len(buf)
            buf.extend(chunk)
            while (end := buf.find(b"\0", scan_from)) >= 0:
                message = json.loads(bytes(buf[:end]))
                del buf[: end + 1]
                scan_from = 0
                with self._cond:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self._events.append(message)
                    self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def call(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict:
        """Envia um comando e espera a resposta; erro do protocolo vira RuntimeError."""
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write_fd, data) :]
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._responses:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    why = "o chromium fechou" if self._closed else f"sem resposta em {timeout} s"
                    raise RuntimeError(f"{method}: {why}")
                self._cond.wait(remaining)
            response = self._responses.pop(ident)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result", {})

    def wait_event(self, method: str, session: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self._events:
                    if event["method"] == method and event.get("sessionId") == session:
                        return event
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    raise RuntimeError(f"o evento {method} não chegou em {timeout} s")
                self._cond.wait(remaining)

    def events(self, session: str) -> list[dict]:
        with self._cond:
            return [e for e in self._events if e.get("sessionId") == session]

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - assinatura da classe-base
        pass


@pytest.fixture(scope="session")
def site_url(book_build):
    """Serve ``_build/html`` em 127.0.0.1 numa porta livre enquanto a sessão durar.

    Se a construção falhou, cada teste falha pela fixture ``built_book``, que todos pedem.
    """
    handler = functools.partial(_QuietHandler, directory=str(book_build.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        fail_or_skip(
            "chromium não encontrado: instale com 'apt-get install -y chromium' "
            "(bash tools/test.sh instala sozinho quando roda como root)"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = tmp_path_factory.mktemp("chromium-log") / "chromium.log"
    devtools = DevTools(executable, profile, log)
    try:
        devtools.call("Browser.getVersion", timeout=60)
    except RuntimeError as error:
        devtools.close()
        pytest.fail(f"o chromium não respondeu: {error}\n{log.read_text(errors='replace')}")
    yield devtools
    devtools.close()


def _browser_pages() -> list[Page]:
    pages = toc_pages()
    return [p for i, p in enumerate(pages) if p.is_notebook or i == 0]


def _slug(page: Page) -> str:
    return page.docname.replace("/", "__")


def _save_png(data: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))


_SEEN: dict[str, dict] = {}


def _visit(browser: DevTools, url: str, page: Page, has_math: bool) -> tuple[dict, list[dict]]:
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    try:
        for domain in ("Page", "Network", "Runtime"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride", VIEWPORT, session=session)
        nav = browser.call("Page.navigate", {"url": url}, session=session)
        assert "errorText" not in nav, f"não abriu {url}: {nav['errorText']}"
        browser.wait_event("Page.loadEventFired", session, PAGE_TIMEOUT_S)
        evaluated = browser.call(
            "Runtime.evaluate",
            {
                "expression": f"({PAGE_REPORT_JS})({json.dumps(has_math)})",
                "awaitPromise": True,
                "returnByValue": True,
            },
            session=session,
            timeout=PAGE_TIMEOUT_S,
        )
        assert "exceptionDetails" not in evaluated, evaluated["exceptionDetails"]
        report = evaluated["result"]["value"]
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
        _save_png(shot["data"], SCREENSHOTS / f"{_slug(page)}.png")
        if report["firstMathY"] is not None:
            # rola até a primeira equação e fotografa a tela (um recorte com
            # captureBeyondViewport muda o tamanho da janela e desloca o layout)
            top = max(0, report["firstMathY"] - 250)
            browser.call(
                "Runtime.evaluate",
                {
                    "expression": f"window.scrollTo(0, {top}); "
                    "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
                    "awaitPromise": True,
                },
                session=session,
            )
            shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
            _save_png(shot["data"], SCREENSHOTS / f"{_slug(page)}-equacao.png")
        return report, browser.events(session)
    finally:
        browser.call("Target.closeTarget", {"targetId": target})


def _network_problems(events: list[dict], base: str) -> list[str]:
    urls = {}
    problems = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if not url.startswith((base, "data:", "blob:", "about:")):
                problems.append(f"requisição para fora do site: {url}")
        elif method == "Network.responseReceived":
            response = params["response"]
            if response["status"] >= 400 and not response["url"].endswith("/favicon.ico"):
                problems.append(f"HTTP {response['status']}: {response['url']}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params["requestId"], "?")
            if url.startswith(base) and not url.endswith("/favicon.ico"):
                problems.append(f"falhou ({params.get('errorText')}): {url}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            if not any(known in str(text) for known in KNOWN_JS_ERRORS):
                problems.append(f"exceção de JavaScript: {text}")
    return problems


@pytest.mark.parametrize("page", _browser_pages(), ids=lambda p: p.docname)
def test_page_in_browser(
    page: Page, browser: DevTools, site_url: str, built_book: Path, book_config: dict
) -> None:
    html = built_book / page.html
    assert html.is_file(), f"{page.html} não foi construída"
    has_math = 'class="math' in html.read_text(encoding="utf-8")
    report, events = _visit(browser, site_url + page.html, page, has_math)
    _SEEN[page.docname] = report

    problems = _network_problems(events, site_url)
    if has_math:
        if report["mathjax"] is None:
            problems.append("a página tem equações, mas o MathJax não carregou")
        if report["containers"] == 0:
            problems.append("nenhum <mjx-container>: as equações não foram compostas")
        problems += [f"equação não composta: {t!r}" for t in report["untypeset"]]
        problems += [f"erro de TeX: {t!r}" for t in report["texErrors"]]
    problems += [f"delimitador de equação cru no texto: {t!r}" for t in report["raw"]]
    problems += [
        f"imagem não carregou: {img['src']}"
        for img in report["images"]
        if not (img["complete"] and img["width"] > 0)
    ]
    if page.is_notebook:
        expected = page.colab_url(book_config)
        if not report["colabLinks"]:
            problems.append(f"sem link para o Colab (esperado {expected})")
        problems += [
            f"link do Colab errado: {link} (esperado {expected})"
            for link in report["colabLinks"]
            if link != expected
        ]
    assert not problems, f"{page.html}:\n" + "\n".join(problems)


def test_browser_checks_were_not_vacuous(built_book: Path) -> None:
    """Roda depois dos testes de página: garante que houve equações e figuras a conferir."""
    if not _SEEN:
        fail_or_skip("nenhuma página foi aberta no navegador nesta sessão")
    expected = {p.docname for p in _browser_pages()}
    if set(_SEEN) != expected:
        fail_or_skip(f"só algumas páginas foram abertas: {sorted(_SEEN)}")
    assert sum(r["containers"] for r in _SEEN.values()) > 0, "nenhuma equação composta"
    figures = [i for r in _SEEN.values() for i in r["images"]]
    assert figures, "nenhuma figura nas páginas de notebook: os capítulos deveriam ter"
