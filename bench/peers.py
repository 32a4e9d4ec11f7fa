"""PyTorch CPU peer of bench/peers.mjs: the same shapes, timed at 1 thread and at all threads.

Prints one JSON object on stdout: {"available", "torch", "threads": {"1": {case: ms}, "all": {...}},
"allThreads", "memory": {case: peak extra bytes}}. Without torch it prints {"available": false}.
GRPO / RLOO advantages are verl's `grpo_vectorized` / `rloo_vectorized` estimators
(verl/trainer/ppo/core_algos.py) re-expressed here in torch. Usage: python3 peers.py [--smoke]
"""
import json
import os
import resource
import sys
import time

SMOKE = "--smoke" in sys.argv
# --only=demo,policy,...: the groups peers.mjs runs (lp_grad, lp_fwd, lm_head, policy, demo, adv)
ONLY = next((a[7:].split(",") for a in sys.argv if a.startswith("--only=")), None)


def wanted(group):
    return ONLY is None or group in ONLY


try:
    import torch
    import torch.nn.functional as F
except Exception as exc:  # no torch: the @rl half of the bench still runs
    print(json.dumps({"available": False, "reason": str(exc)}))
    sys.exit(0)

S = {
    "lp_grad": (2, 8, 16) if SMOKE else (8, 128, 512),
    "lp_fwd": (2, 8, 64) if SMOKE else (4, 512, 32000),
    "lm_head": (64, 16, 128) if SMOKE else (2048, 512, 32000),
    "policy": (4, 16) if SMOKE else (256, 1024),
    "demo": (8, 10, 14, 16, 2, 1) if SMOKE else (256, 10, 14, 48, 4, 2),
    "adv": (4, 4, 8) if SMOKE else (256, 8, 512),
}
RUNS = 1 if SMOKE else 7


def time_ms(fn, runs=RUNS, warmup=2):
    for _ in range(0 if SMOKE else warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2]


def maxrss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


g = torch.Generator().manual_seed(0)


def lp_grad_case():
    B, T, V = S["lp_grad"]
    logits = torch.randn(B, T, V, generator=g) * 2
    ids = torch.randint(0, V, (B, T), generator=g)

    def run():
        x = logits.detach().requires_grad_(True)
        lp = torch.log_softmax(x, -1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
        lp.sum().backward()
        return x.grad

    return run


def lp_fwd_case():
    B, T, V = S["lp_fwd"]
    logits = torch.randn(B, T, V, generator=g).mul_(2)  # in place: no second [B,T,V] before maxrss is read
    ids = torch.randint(0, V, (B, T), generator=g)

    def run():
        with torch.no_grad():
            return torch.log_softmax(logits, -1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)

    return run


def lm_head_case():
    N, d, V = S["lm_head"]
    hidden = torch.randn(N, d, generator=g) * 0.1
    W = torch.randn(d, V, generator=g) * 0.05
    ids = torch.randint(0, V, (N,), generator=g)

    def run():
        h = hidden.detach().requires_grad_(True)
        w = W.detach().requires_grad_(True)
        lp = torch.log_softmax(h @ w, -1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
        lp.sum().backward()
        return h.grad, w.grad

    return run


def policy_case(kind):
    B, T = S["policy"]
    lp0 = torch.randn(B, T, generator=g) * 0.3 - 1.5
    old = lp0 + torch.randn(B, T, generator=g) * 0.05
    adv = torch.randn(B, T, generator=g)
    mask = (torch.rand(B, T, generator=g) < 0.9).float()

    def run():
        lp = lp0.detach().requires_grad_(True)
        ratio = torch.exp(torch.clamp(lp - old, -20, 20))
        per = torch.maximum(-adv * ratio, -adv * torch.clamp(ratio, 0.8, 1.2))
        if kind == "ppo":  # token mean over the batch
            loss = (per * mask).sum() / mask.sum().clamp_min(1)
        else:  # TRL "grpo": mean over each sequence, then over rows
            loss = ((per * mask).sum(-1) / mask.sum(-1).clamp_min(1)).mean()
        loss.backward()
        return lp.grad

    return run


class Block(torch.nn.Module):
    def __init__(self, d, H, ff):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
        self.o = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.w1 = torch.nn.Linear(d, ff * d)
        self.w2 = torch.nn.Linear(ff * d, d)
        self.H = H

    def forward(self, x, causal):
        B, T, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, -1)
        heads = lambda t: t.view(B, T, self.H, d // self.H).transpose(1, 2)
        att = torch.softmax(heads(q) @ heads(k).transpose(-1, -2) / (d // self.H) ** 0.5 + causal, -1)
        x = x + self.o((att @ heads(v)).transpose(1, 2).reshape(B, T, d))
        return x + self.w2(torch.relu(self.w1(self.ln2(x))))


class TinyPolicy(torch.nn.Module):
    """The demo's policy in torch: pre-LN GPT, one-hot embedding, d 48, 4 heads, 2 layers, MLP 4d."""

    def __init__(self, V, T, d, H, L):
        super().__init__()
        self.tok = torch.nn.Parameter(torch.randn(V, d) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(T, d) * 0.02)
        self.blocks = torch.nn.ModuleList([Block(d, H, 4) for _ in range(L)])
        self.lnf = torch.nn.LayerNorm(d)
        self.out = torch.nn.Linear(d, V)
        self.V = V

    def forward(self, ids):
        T = ids.shape[1]
        causal = torch.triu(torch.full((T, T), -1e9), 1)
        x = F.one_hot(ids, self.V).float() @ self.tok + self.pos[:T]
        for b in self.blocks:
            x = b(x, causal)
        return self.out(self.lnf(x))


def demo_cases():
    B, T, V, d, H, L = S["demo"]
    model = TinyPolicy(V, T, d, H, L)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0)
    ids = torch.randint(0, V, (B, T), generator=g)
    P = T - 4
    mask = torch.zeros(B, T)
    mask[:, P:] = 1
    adv = torch.randn(B, T, generator=g) * mask

    def step():
        logits = model(ids)[:, :-1]
        lp = torch.log_softmax(logits, -1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        m = mask[:, 1:]
        ratio = torch.exp(lp - lp.detach())
        per = -adv[:, 1:] * ratio
        loss = ((per * m).sum(-1) / m.sum(-1).clamp_min(1)).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    def sample():
        seq = ids[:, :P]
        with torch.no_grad():
            for _ in range(4):
                probs = torch.softmax(model(seq)[:, -1], -1)
                seq = torch.cat([seq, torch.multinomial(probs, 1, generator=g)], 1)
        return seq

    return step, sample


def verl_groups():
    G, K, T = S["adv"]
    B = G * K
    rewards = torch.zeros(B, T)
    rewards[:, -1] = (torch.rand(B, generator=g) < 0.5).float()
    mask = torch.ones(B, T)
    index = torch.arange(B) // K
    return rewards, mask, index


def grpo_vectorized(rewards, mask, index, eps=1e-6):
    """verl grpo_vectorized: z-score of each row's summed reward within its group (unbiased std,
    variance floored at eps, singletons mean 0 / std 1), broadcast over the mask."""
    with torch.no_grad():
        scores = rewards.sum(-1)
        G = int(index.max()) + 1
        count = torch.bincount(index, minlength=G).float()
        total = torch.zeros(G).index_add_(0, index, scores)
        total2 = torch.zeros(G).index_add_(0, index, scores * scores)
        mean = total / count.clamp_min(1)
        var = (total2 - total * total / count.clamp_min(1)) / (count - 1).clamp_min(1)
        std = var.clamp_min(eps).sqrt()
        single = count <= 1
        mean = torch.where(single, torch.zeros_like(mean), mean)
        std = torch.where(single, torch.ones_like(std), std)
        return ((scores - mean[index]) / (std[index] + eps)).unsqueeze(-1) * mask


def rloo_vectorized(rewards, mask, index):
    """verl rloo_vectorized: r_i minus the mean of the other rows of its group, 0 for a singleton."""
    with torch.no_grad():
        scores = rewards.sum(-1)
        c = torch.bincount(index)[index].to(scores.dtype)
        group_sum = torch.bincount(index, weights=scores)[index]
        adv = (c * scores - group_sum) / (c - 1).clamp_min(1) * (c > 1)
        return adv.unsqueeze(-1) * mask


def run_all(memory):
    out = {}
    if wanted("lp_fwd"):
        if memory is not None:
            # Peak extra memory of the [B,T,V] forward: the first large op of the process (maxrss delta).
            run = lp_fwd_case()
            before = maxrss_bytes()
            run()
            memory["lp_fwd"] = max(0, maxrss_bytes() - before)
            out["lp_fwd"] = time_ms(run, runs=3 if not SMOKE else 1)
        else:
            out["lp_fwd"] = time_ms(lp_fwd_case(), runs=3 if not SMOKE else 1)
    if wanted("lp_grad"):
        out["lp_grad"] = time_ms(lp_grad_case())
    if wanted("lm_head"):
        out["lm_head"] = time_ms(lm_head_case(), runs=3 if not SMOKE else 1)
    if wanted("policy"):
        out["ppo"] = time_ms(policy_case("ppo"))
        out["grpo_loss"] = time_ms(policy_case("grpo"))
    if wanted("demo"):
        step, sample = demo_cases()
        out["demo_step"] = time_ms(step)
        out["demo_sample"] = time_ms(sample)
        out["demo_grpo_step"] = out["demo_step"] + out["demo_sample"]
    if wanted("adv"):
        r, m, i = verl_groups()
        out["grpo_adv"] = time_ms(lambda: grpo_vectorized(r, m, i), runs=RUNS * 2)
        out["rloo_adv"] = time_ms(lambda: rloo_vectorized(r, m, i), runs=RUNS * 2)
    return out


def main():
    all_threads = os.cpu_count() or 1
    memory = {}
    result = {"available": True, "torch": torch.__version__, "allThreads": all_threads, "threads": {}, "memory": memory}
    torch.set_num_threads(1)
    result["threads"]["1"] = run_all(memory)
    torch.set_num_threads(all_threads)
    result["threads"]["all"] = run_all(None)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
