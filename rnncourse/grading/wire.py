"""Dados simples entre o processo da resposta e o do corretor: codificar, decodificar, enquadrar.

Na correção em lote, a resposta do estudante roda num processo (numa caixa de
areia) e o juiz em outro. Entre os dois só passam **dados simples**, nunca
``pickle`` nem objetos vivos: ``None``, ``bool``, ``int``, ``float`` (NaN e
infinito inclusive), ``str``, ``bytes``, listas, tuplas, dicionários, conjuntos,
arrays do numpy (``dtype`` booleano, inteiro, real ou complexo: bytes crus em
base64, com ``dtype`` e forma), escalares do numpy, tensores do PyTorch (como
arrays, com o ``dtype`` do torch), o estado de um ``np.random.Generator`` e o
``state_dict`` de um ``nn.Module``. Todo o resto vira um ``Opaque``, que só
guarda a descrição do tipo ("objeto do tipo foo.Bar"): o juiz recusa, com a
mensagem de tipo errado de sempre.

``encode`` produz uma estrutura que o ``json`` serializa (todo dicionário do
resultado é um nó etiquetado por ``"$"``); ``decode`` faz o caminho de volta.
Quem decodifica o que veio da submissão usa ``trusted=False`` (o padrão): nenhum
módulo é importado, nenhuma classe do estudante é instanciada, e os tamanhos
têm limite. Só na direção corretor -> submissão (``trusted=True``) um objeto
"portátil" (com ``__rnncourse_recipe__``, ver ``portable``) é recriado a partir
de uma fábrica do pacote ``rnncourse``, e uma função do corretor vira um
``RemoteCallable`` que pede ao corretor para calculá-la.

``write_frame``/``FrameReader`` enquadram as mensagens num fluxo de bytes (um
cano): ``RNNC`` + tamanho (8 bytes) + JSON em UTF-8, com tamanho máximo.

Fora do escopo: o que cada lado faz com as mensagens (``runner.py`` e
``remote.py``).
"""

from __future__ import annotations

import base64
import importlib
import json
import math
import re
import struct
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnncourse.grading.guard import is_torch_tensor, safe_repr

__all__ = [
    "MAX_BYTES",
    "FrameReader",
    "ModuleSnapshot",
    "Opaque",
    "RemoteCallable",
    "WireError",
    "decode",
    "dumps",
    "encode",
    "loads",
    "portable",
    "restore",
    "write_frame",
]

# as funções da biblioteca padrão que a conversa usa, guardadas antes de qualquer código do
# estudante: quem troca json.loads no próprio notebook não quebra o canal por acidente
_json_dumps, _json_loads = json.dumps, json.loads
_b64encode, _b64decode = base64.b64encode, base64.b64decode
_pack, _unpack = struct.pack, struct.unpack

#: tamanho máximo de uma mensagem (e dos dados de um valor)
MAX_BYTES = 64 * 1024 * 1024
_MAX_DEPTH = 64
_MAGIC = b"RNNC"
_DTYPE_RE = re.compile(r"^[<>|=]?[biufc][1-9][0-9]?$")
_TORCH_DTYPES = (
    "float64",
    "float32",
    "float16",
    "bfloat16",
    "complex64",
    "complex128",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
)
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class WireError(ValueError):
    """Dados que não se deixam codificar ou decodificar (tamanho, tipo, formato)."""


class Opaque:
    """Um valor que não é dado simples: só a descrição do que era."""

    __slots__ = ("description",)

    def __init__(self, description: str):
        self.description = str(description)

    def __repr__(self) -> str:
        return f"<{self.description}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.description == self.description

    __hash__ = None  # type: ignore[assignment]


class ModuleSnapshot:
    """O estado de um ``nn.Module`` devolvido pela resposta: tipo e ``state_dict`` (tensores)."""

    def __init__(self, type_name: str, state: dict[str, Any]):
        self.type_name = type_name
        self.state = state

    def __repr__(self) -> str:
        return f"<nn.Module {self.type_name} com {len(self.state)} tensor(es)>"


class RemoteCallable:
    """No processo da resposta: uma função do corretor, calculada lá a cada chamada."""

    def __init__(self, ref: int, text: str, call: Callable[[int, tuple, dict], Any]):
        self._ref = ref
        self._text = text
        self._call = call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._ref, args, kwargs)

    def __repr__(self) -> str:
        return self._text

    def __deepcopy__(self, memo: dict) -> RemoteCallable:
        return self


def portable(obj: Any, factory: str, **kwargs: Any) -> Any:
    """Marca ``obj`` como recriável do outro lado: ``factory(**kwargs)`` (+ o ``state_dict``).

    ``factory`` é ``"rnncourse.modulo:funcao"``; ``kwargs`` são dados simples. Um
    ``nn.Module`` leva também o seu ``state_dict`` atual. Devolve ``obj``.
    """
    if not factory.startswith("rnncourse.") or ":" not in factory:
        raise ValueError(f"fábrica inválida {factory!r}: use 'rnncourse.modulo:funcao'")
    obj.__rnncourse_recipe__ = (factory, dict(kwargs))
    return obj


def _is_module(obj: Any) -> bool:
    torch = _torch_if_loaded()
    return torch is not None and isinstance(obj, torch.nn.Module)


def _torch_if_loaded():
    import sys

    return sys.modules.get("torch")


def _describe(obj: Any) -> str:
    cls = type(obj)
    if isinstance(obj, np.ndarray):
        return f"numpy.ndarray {obj.dtype} de forma {tuple(obj.shape)}"
    return f"objeto do tipo {cls.__module__}.{cls.__qualname__}"


# ---------------------------------------------------------------------- codificar
class _Encoder:
    def __init__(self, callbacks: dict[int, Any] | None, max_bytes: int, trusted: bool):
        self.callbacks = callbacks
        self.budget = max_bytes
        self.trusted = trusted

    def spend(self, n: int) -> None:
        self.budget -= n
        if self.budget < 0:
            raise WireError("os dados passaram do limite de tamanho")

    def array(self, arr: np.ndarray) -> dict:
        if not arr.flags.c_contiguous:  # (um array 0-d já é contíguo)
            arr = np.ascontiguousarray(arr)
        if arr.dtype.kind not in "biufc" or arr.dtype.fields is not None:
            return {"$": "opaque", "d": _describe(arr)}
        raw = arr.tobytes()
        self.spend(len(raw) * 4 // 3 + 64)
        return {
            "$": "array",
            "dtype": arr.dtype.str,
            "shape": [int(n) for n in arr.shape],
            "b64": _b64encode(raw).decode("ascii"),
        }

    def enc(self, obj: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            return {"$": "opaque", "d": "estrutura aninhada demais"}
        cls = type(obj)
        if obj is None or cls is bool:
            return obj
        if cls is int:
            if obj.bit_length() > 1000:
                return {"$": "opaque", "d": "inteiro com mais de 1000 bits"}
            return obj
        if cls is float:
            if math.isfinite(obj):
                return obj
            return {"$": "float", "v": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
        if isinstance(obj, np.generic):
            if isinstance(obj, np.str_):
                return self.enc(str(obj), depth)
            encoded = self.array(np.asarray(obj))
            if encoded["$"] == "array":
                encoded["$"] = "scalar"
            return encoded
        if isinstance(obj, str):
            text = str.__str__(obj)
            self.spend(len(text) * 4 + 2)
            return text
        if isinstance(obj, (bool, int, float)):  # subclasses: valem pelo valor
            return self.enc({bool: bool, int: int, float: float}[_base(obj)](obj), depth)
        if isinstance(obj, np.ndarray):
            return self.array(obj.view(np.ndarray))
        if is_torch_tensor(obj):
            return self.tensor(obj)
        if isinstance(obj, (bytes, bytearray)):
            self.spend(len(obj) * 4 // 3 + 16)
            return {"$": "bytes", "b64": _b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, tuple):
            self.spend(8 * len(obj))
            return {"$": "tuple", "v": [self.enc(x, depth + 1) for x in tuple.__iter__(obj)]}
        if isinstance(obj, list):
            self.spend(8 * len(obj))
            return [self.enc(x, depth + 1) for x in list.__iter__(obj)]
        if isinstance(obj, (set, frozenset)):
            self.spend(8 * len(obj))
            return {"$": "set", "v": [self.enc(x, depth + 1) for x in obj]}
        if isinstance(obj, np.random.Generator):
            bit = obj.bit_generator
            return {
                "$": "rng",
                "bit_generator": type(bit).__name__,
                "state": self.enc(bit.state, depth + 1),
            }
        recipe = getattr(obj, "__rnncourse_recipe__", None) if self.trusted else None
        if recipe is not None:
            factory, kwargs = recipe
            node = {"$": "portable", "factory": factory, "kwargs": self.enc(kwargs, depth + 1)}
            if _is_module(obj):
                node["state"] = self.enc(dict(obj.state_dict()), depth + 1)
            return node
        if _is_module(obj):
            if self.trusted:  # uma entrada: sem receita, o outro lado não saberia recriá-la
                raise WireError(
                    f"o nn.Module {type(obj).__qualname__} não tem receita: crie-o com "
                    "wire.portable(modulo, 'rnncourse.x:fabrica', **parametros)"
                )
            return {
                "$": "module",
                "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
                "state": self.enc(dict(obj.state_dict()), depth + 1),
            }
        if isinstance(obj, Mapping):
            self.spend(16 * len(obj))
            items = list(obj.items())
            return {
                "$": "dict",
                "v": [[self.enc(k, depth + 1), self.enc(v, depth + 1)] for k, v in items],
            }
        if self.callbacks is not None and callable(obj) and not isinstance(obj, type):
            ref = len(self.callbacks)
            self.callbacks[ref] = obj
            return {"$": "callback", "ref": ref, "repr": safe_repr(obj, 200)}
        return {"$": "opaque", "d": _describe(obj)}

    def tensor(self, obj: Any) -> dict:
        try:
            t = obj.detach().cpu()
            if t.layout != _torch_if_loaded().strided:
                return {"$": "opaque", "d": f"torch.Tensor esparso ({t.layout})"}
            name = str(t.dtype).removeprefix("torch.")
            if name not in _TORCH_DTYPES:
                return {"$": "opaque", "d": f"torch.Tensor de dtype {name}"}
            arr = t.float().numpy() if name == "bfloat16" else t.numpy()
            return {
                "$": "tensor",
                "dtype": name,
                "requires_grad": bool(obj.requires_grad),
                "array": self.array(arr),
            }
        except WireError:
            raise
        except Exception:
            return {"$": "opaque", "d": "torch.Tensor que não se deixa ler"}


def _base(obj: Any) -> type:
    if isinstance(obj, bool):
        return bool
    return int if isinstance(obj, int) else float


def encode(
    obj: Any,
    *,
    callbacks: dict[int, Any] | None = None,
    max_bytes: int = MAX_BYTES,
    trusted: bool = False,
) -> Any:
    """``obj`` como dados que o ``json`` serializa (ver o começo do módulo).

    Com ``callbacks`` (um dicionário), cada função encontrada é registrada ali e
    vai como referência (o outro lado a chama de volta). Com ``trusted``, objetos
    portáteis vão como receita. Levanta ``WireError`` acima de ``max_bytes``.
    """
    return _Encoder(callbacks, max_bytes, trusted).enc(obj)


# ---------------------------------------------------------------------- decodificar
class _Decoder:
    def __init__(self, trusted: bool, callback: Callable | None, max_bytes: int):
        self.trusted = trusted
        self.callback = callback
        self.budget = max_bytes

    def raw(self, text: Any) -> bytes:
        if not isinstance(text, str):
            raise WireError("bytes mal formados")
        self.budget -= len(text)
        if self.budget < 0:
            raise WireError("os dados passaram do limite de tamanho")
        try:
            return _b64decode(text.encode("ascii"), validate=True)
        except Exception as err:
            raise WireError("base64 inválido") from err

    def array(self, node: Any) -> np.ndarray:
        if not isinstance(node, dict) or node.get("$") not in {"array", "scalar"}:
            raise WireError("array mal formado")
        dtype_text, shape = node.get("dtype"), node.get("shape")
        if not isinstance(dtype_text, str) or not _DTYPE_RE.match(dtype_text):
            raise WireError(f"dtype não permitido: {safe_repr(dtype_text, 40)}")
        dtype = np.dtype(dtype_text)
        if dtype.kind not in "biufc" or dtype.fields is not None:
            raise WireError("dtype não permitido")
        if (
            not isinstance(shape, list)
            or len(shape) > 32
            or not all(type(n) is int and 0 <= n < 2**62 for n in shape)
        ):
            raise WireError("forma inválida")
        data = self.raw(node.get("b64"))
        count = math.prod(shape)
        if count * dtype.itemsize != len(data):
            raise WireError("o tamanho dos bytes não confere com a forma")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

    def dec(self, node: Any, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH + 2:
            raise WireError("estrutura aninhada demais")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [self.dec(x, depth + 1) for x in node]
        if type(node) is not dict:
            raise WireError("nó desconhecido")
        tag = node.get("$")
        if tag == "float":
            value = node.get("v")
            if value not in ("nan", "inf", "-inf"):
                raise WireError("float mal formado")
            return float(value)
        if tag == "tuple":
            return tuple(self.dec(x, depth + 1) for x in self.items(node))
        if tag == "set":
            return set(self.hashable(self.dec(x, depth + 1)) for x in self.items(node))
        if tag == "dict":
            out = {}
            for pair in self.items(node):
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("par chave/valor mal formado")
                out[self.hashable(self.dec(pair[0], depth + 1))] = self.dec(pair[1], depth + 1)
            return out
        if tag == "array":
            return self.array(node)
        if tag == "scalar":
            arr = self.array(node)
            if arr.shape != ():
                raise WireError("escalar com forma")
            return arr[()]
        if tag == "bytes":
            return self.raw(node.get("b64"))
        if tag == "tensor":
            return self.tensor(node)
        if tag == "rng":
            return self.rng(node, depth)
        if tag == "module":
            state = self.dec(node.get("state"), depth + 1)
            if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
                raise WireError("estado de módulo mal formado")
            return ModuleSnapshot(str(node.get("type", "?"))[:200], state)
        if tag == "opaque":
            return Opaque(str(node.get("d", "?"))[:300])
        if tag == "callback":
            if self.callback is None:
                raise WireError("referência a função fora do lugar")
            ref = node.get("ref")
            if type(ref) is not int:
                raise WireError("referência inválida")
            return self.callback(ref, str(node.get("repr", ""))[:200])
        if tag == "portable":
            if not self.trusted:
                raise WireError("objeto portátil vindo de fonte não confiável")
            return self.portable(node, depth)
        raise WireError(f"etiqueta desconhecida {safe_repr(tag, 40)}")

    def items(self, node: dict) -> list:
        value = node.get("v")
        if type(value) is not list:
            raise WireError("coleção mal formada")
        return value

    @staticmethod
    def hashable(value: Any) -> Any:
        try:
            hash(value)
        except TypeError as err:
            raise WireError("chave que não é hashable") from err
        return value

    def tensor(self, node: dict) -> Any:
        import torch

        name = node.get("dtype")
        if name not in _TORCH_DTYPES:
            raise WireError("dtype do torch não permitido")
        arr = self.array(node.get("array"))
        t = torch.from_numpy(arr)
        if name == "bfloat16":
            t = t.to(torch.bfloat16)
        elif str(t.dtype).removeprefix("torch.") != name:
            raise WireError("dtype do torch não confere com o array")
        if node.get("requires_grad") is True and t.is_floating_point():
            t.requires_grad_(True)
        return t

    def rng(self, node: dict, depth: int) -> np.random.Generator:
        name = node.get("bit_generator")
        if name not in _BIT_GENERATORS:
            raise WireError("gerador desconhecido")
        state = self.dec(node.get("state"), depth + 1)
        try:
            bit = getattr(np.random, name)()
            bit.state = state
        except Exception as err:
            raise WireError("estado de gerador inválido") from err
        return np.random.Generator(bit)

    def portable(self, node: dict, depth: int) -> Any:
        factory = node.get("factory")
        if (
            not isinstance(factory, str)
            or not factory.startswith("rnncourse.")
            or ":" not in factory
        ):
            raise WireError("fábrica inválida")
        module_name, _, attr = factory.partition(":")
        fn = importlib.import_module(module_name)
        for part in attr.split("."):
            fn = getattr(fn, part)
        kwargs = self.dec(node.get("kwargs"), depth + 1)
        obj = fn(**kwargs)
        if "state" in node:
            state = self.dec(node["state"], depth + 1)
            obj.load_state_dict(state)
        return obj


def decode(
    data: Any,
    *,
    trusted: bool = False,
    callback: Callable[[int, str], Any] | None = None,
    max_bytes: int = MAX_BYTES,
) -> Any:
    """O caminho de volta de ``encode``; levanta ``WireError`` para dados mal formados."""
    try:
        return _Decoder(trusted, callback, max_bytes).dec(data)
    except WireError:
        raise
    except RecursionError as err:
        raise WireError("estrutura aninhada demais") from err
    except (TypeError, ValueError, OverflowError, MemoryError) as err:
        raise WireError(f"dados mal formados ({type(err).__name__})") from err


def restore(template: Any, value: Any) -> Any:
    """No corretor: uma entrada como ficou depois da chamada, a partir da cópia intacta.

    Um módulo vira uma cópia do original com o ``state_dict`` que voltou (a
    arquitetura é sempre a do corretor); uma função volta como estava (ela
    nunca saiu do corretor); o resto é o valor decodificado.
    """
    import copy

    if _is_module(template):
        if not isinstance(value, ModuleSnapshot):
            raise WireError("o módulo não voltou como estado")
        twin = copy.deepcopy(template)
        own = twin.state_dict()
        if set(own) != set(value.state):
            raise WireError("o estado do módulo não tem os mesmos nomes")
        for name, tensor in value.state.items():
            if not is_torch_tensor(tensor) or tuple(tensor.shape) != tuple(own[name].shape):
                raise WireError(f"o estado de {name} não tem a forma do original")
        twin.load_state_dict({k: v.to(own[k].dtype) for k, v in value.state.items()})
        return twin
    if callable(template) and isinstance(value, Opaque):
        return template
    return value


# ---------------------------------------------------------------------- mensagens
def dumps(message: Any) -> bytes:
    """Uma mensagem (já codificada) em bytes JSON, sem NaN fora das etiquetas."""
    return _json_dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
        "utf-8"
    )


def loads(data: bytes) -> Any:
    """JSON estrito (sem NaN/Infinity soltos); levanta ``WireError``."""

    def no_constants(name: str) -> Any:
        raise WireError(f"constante não permitida: {name}")

    try:
        return _json_loads(data.decode("utf-8"), parse_constant=no_constants)
    except WireError:
        raise
    except RecursionError as err:
        raise WireError("JSON aninhado demais") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise WireError(f"JSON inválido ({type(err).__name__})") from err


def write_frame(write: Callable[[bytes], Any], message: Any, max_bytes: int = MAX_BYTES) -> None:
    """Escreve ``message`` enquadrada: ``RNNC`` + tamanho (8 bytes, big-endian) + JSON."""
    body = dumps(message)
    if len(body) > max_bytes:
        raise WireError("mensagem grande demais")
    write(_MAGIC + _pack(">Q", len(body)) + body)


class FrameReader:
    """Junta bytes de um cano e devolve mensagens inteiras (``feed`` -> lista de mensagens)."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[Any]:
        self.buffer += chunk
        out = []
        while len(self.buffer) >= 12:
            if bytes(self.buffer[:4]) != _MAGIC:
                raise WireError("fluxo corrompido (cabeçalho inválido)")
            (size,) = _unpack(">Q", bytes(self.buffer[4:12]))
            if size > self.max_bytes:
                raise WireError("mensagem grande demais")
            if len(self.buffer) < 12 + size:
                break
            body = bytes(self.buffer[12 : 12 + size])
            del self.buffer[: 12 + size]
            out.append(loads(body))
        return out
