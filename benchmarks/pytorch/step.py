#!/usr/bin/python3
"""The reference training step in PyTorch, for `./bench step --vs-pytorch`.

The same model and step as the project's `alignguard bench step`: a decoder-only transformer with
Hugging Face LlamaForCausalLM semantics (model/.../llama/LlamaModel.java):

    h = embed_tokens[ids]                                                  [B*T x C]
    per layer:
      h = h + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))   n1 = RMSNorm(h) * w1
      h = h + down_proj(silu(gate_proj(n2)) * up_proj(n2))                   n2 = RMSNorm(h) * w2
    logits = lm_head(RMSNorm(h) * w)                                      [B*T x V]

RMSNorm as HF's LlamaRMSNorm, RoPE in HF's rotate-half convention, causal softmax attention written
out as HF's eager attention (PyTorch 1.13 has no fused SDPA), SwiGLU MLP, untied head, no biases,
float32. Loss: mean next-token cross-entropy over every position. LoRA (peft semantics,
`base(x) + lora_B(lora_A(x)) * lora_alpha / r`, dropout 0) on q, k, v, o, base frozen.

One step = zero the gradients, forward, backward (gradients ready for an optimizer; no optimizer
on either side, as in the project's bench).

The driver starts this script with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (these machines set
both, forcing OpenBLAS onto older kernels), OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = the thread
count and OMP_WAIT_POLICY=PASSIVE (with GNU OpenMP's active wait, torch's threads spin against
OpenBLAS's own threads on two cores: 190-230 ms per step instead of 60-65 ms). PyTorch's matrix
products need an optimised BLAS behind Debian's libblas.so.3: `apt-get install -y
libopenblas0-pthread` (the reference BLAS alone makes a step about a second).

Protocol (one JSON object per line on stdin, one reply per line on stdout), driven by
dev.alignguard.experiments.cli.BenchCommand:
    {"cmd": "setup", ...config..., "tokens": [...], "targets": [...]} -> {"torch": version, "threads": n}
    {"cmd": "time", "mode": "full" | "lora", "steps": n}             -> {"ms": mean ms per step}
    {"cmd": "rss"}                                                   -> {"peak_rss_kb": n}
    {"cmd": "quit"}
Standalone: `python3 step.py --standalone` times both modes at the reference configuration.
"""
import json
import math
import resource
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the Java side prints how to install it
    print(json.dumps({"error": "no module named torch: apt-get install -y python3-torch"}), flush=True)
    sys.exit(3)


class RMSNorm(torch.nn.Module):
    def __init__(self, c, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(c))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


class LoraLinear(torch.nn.Module):
    """nn.Linear without bias plus an optional peft-style adapter (A: r x in, B: out x r)."""

    def __init__(self, cin, cout):
        super().__init__()
        self.base = torch.nn.Linear(cin, cout, bias=False)
        torch.nn.init.normal_(self.base.weight, std=0.02)
        self.lora_A = None
        self.lora_B = None
        self.scaling = 0.0

    def attach(self, r, alpha):
        cin, cout = self.base.in_features, self.base.out_features
        self.lora_A = torch.nn.Linear(cin, r, bias=False)
        self.lora_B = torch.nn.Linear(r, cout, bias=False)
        bound = 1.0 / math.sqrt(cin)
        torch.nn.init.uniform_(self.lora_A.weight, -bound, bound)
        torch.nn.init.zeros_(self.lora_B.weight)  # peft: a fresh adapter changes nothing
        self.scaling = alpha / r

    def forward(self, x):
        y = self.base(x)
        if self.lora_A is not None:
            y = y + self.lora_B(self.lora_A(x)) * self.scaling
        return y


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, f = cfg["hidden"], cfg["intermediate"]
        self.h, self.kvh = cfg["heads"], cfg["kv_heads"]
        self.hd = c // self.h
        self.input_layernorm = RMSNorm(c, cfg["eps"])
        self.q_proj = LoraLinear(c, self.h * self.hd)
        self.k_proj = LoraLinear(c, self.kvh * self.hd)
        self.v_proj = LoraLinear(c, self.kvh * self.hd)
        self.o_proj = LoraLinear(self.h * self.hd, c)
        self.post_attention_layernorm = RMSNorm(c, cfg["eps"])
        self.gate_proj = LoraLinear(c, f)
        self.up_proj = LoraLinear(c, f)
        self.down_proj = LoraLinear(f, c)

    def forward(self, x, cos, sin, mask):
        b, t, c = x.shape
        n1 = self.input_layernorm(x)
        q = self.q_proj(n1).view(b, t, self.h, self.hd).transpose(1, 2)      # B H T hd
        k = self.k_proj(n1).view(b, t, self.kvh, self.hd).transpose(1, 2)
        v = self.v_proj(n1).view(b, t, self.kvh, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.kvh != self.h:
            k = k.repeat_interleave(self.h // self.kvh, dim=1)
            v = v.repeat_interleave(self.h // self.kvh, dim=1)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask  # B H T T
        p = F.softmax(s, dim=-1, dtype=torch.float32)
        o = torch.matmul(p, v).transpose(1, 2).reshape(b, t, c)
        x = x + self.o_proj(o)
        n2 = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(n2)) * self.up_proj(n2))


class Llama(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["hidden"]
        self.embed_tokens = torch.nn.Embedding(cfg["vocab"], c)
        torch.nn.init.normal_(self.embed_tokens.weight, std=0.02)
        self.layers = torch.nn.ModuleList([Layer(cfg) for _ in range(cfg["layers"])])
        self.norm = RMSNorm(c, cfg["eps"])
        self.lm_head = LoraLinear(c, cfg["vocab"])
        hd = c // cfg["heads"]
        t = cfg["seq"]
        inv_freq = 1.0 / (cfg["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)                              # T x hd
        self.register_buffer("cos", emb.cos()[None, None], persistent=False)
        self.register_buffer("sin", emb.sin()[None, None], persistent=False)
        mask = torch.full((t, t), float("-inf")).triu(1)
        self.register_buffer("mask", mask[None, None], persistent=False)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.lm_head(self.norm(x))


class Setup:
    """One model per mode, built once; `step` is the timed unit."""

    def __init__(self, cfg, mode, tokens, targets):
        torch.manual_seed(1)
        self.model = Llama(cfg)
        if mode == "lora":
            for p in self.model.parameters():
                p.requires_grad_(False)
            for layer in self.model.layers:
                for lin in (layer.q_proj, layer.k_proj, layer.v_proj, layer.o_proj):
                    lin.attach(cfg["r"], cfg["alpha"])
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.ids = tokens
        self.targets = targets
        self.vocab = cfg["vocab"]

    def step(self):
        for p in self.params:
            p.grad = None
        logits = self.model(self.ids)
        loss = F.cross_entropy(logits.view(-1, self.vocab), self.targets.view(-1))
        loss.backward()
        return loss


def make(cfg):
    torch.set_num_threads(cfg["threads"])
    b, t = cfg["batch"], cfg["seq"]
    tokens = torch.tensor(cfg["tokens"], dtype=torch.long).view(b, t)
    targets = torch.tensor(cfg["targets"], dtype=torch.long).view(b, t)
    return {mode: Setup(cfg, mode, tokens, targets) for mode in ("full", "lora")}


def time_steps(setup, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        setup.step()
    return (time.perf_counter() - t0) * 1000.0 / steps


def serve():
    setups = None
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "setup":
            setups = make(msg)
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        elif cmd == "time":
            reply = {"ms": time_steps(setups[msg["mode"]], msg["steps"])}
        elif cmd == "rss":
            reply = {"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
        elif cmd == "quit":
            return
        else:
            reply = {"error": "unknown command " + cmd}
        print(json.dumps(reply), flush=True)


def standalone():
    import random
    rnd = random.Random(2)
    cfg = {"vocab": 256, "hidden": 128, "layers": 4, "heads": 4, "kv_heads": 4, "intermediate": 344,
           "eps": 1e-5, "theta": 10000.0, "batch": 32, "seq": 32, "r": 8, "alpha": 16, "threads": 2}
    n = cfg["batch"] * cfg["seq"]
    cfg["tokens"] = [rnd.randrange(cfg["vocab"]) for _ in range(n)]
    cfg["targets"] = [rnd.randrange(cfg["vocab"]) for _ in range(n)]
    setups = make(cfg)
    for mode, s in setups.items():
        time_steps(s, 15)
    for r in range(5):
        print(" ".join("%s %.1f ms" % (m, time_steps(s, 10)) for m, s in setups.items()), flush=True)


if __name__ == "__main__":
    if "--standalone" in sys.argv:
        standalone()
    else:
        serve()
