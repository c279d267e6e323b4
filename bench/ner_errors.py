"""What each post-processing step of the entity recogniser adds or costs, and its errors by kind.

    python bench/ner_errors.py --model /tmp/tune.crfsuite                 # tune split, step table
    python bench/ner_errors.py --model /tmp/tune.crfsuite --errors fill   # + the errors of one step

For tuning the recogniser's rules (transforms/text/entities.py) without the held-out documents:
reads ../shared/corpus/ner/newsfane_gold_dev.txt (exit 0 when absent) and scores the TUNE split
of train/ner.py (train a tune model first: ``python train/ner.py --split tune
--model /tmp/tune.crfsuite``) as article-sized texts, the way the pipeline tags. ``--split
document`` is refused unless ``--final`` is given: the held-out errors are never listed.

Step table: entity-level exact-span F1 (PER/ORG/LOC, micro) with the model alone, with all steps,
and with all steps but one. Errors: every predicted or gold PER/ORG/LOC mention that does not
match exactly, as ``missed`` (no prediction overlaps it), ``spurious`` (overlaps no gold),
``boundary`` (overlaps a gold of its type with other edges), ``type`` (same span, other type)
or ``boundary+type``, counted by the step that produced the prediction.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from akhbar.transforms.text.entities import STEPS, EntityRecognizer  # noqa: E402

_spec = importlib.util.spec_from_file_location("ner_training", REPO / "train" / "ner.py")
ner_training = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ner_training)

SCORED = ("PER", "ORG", "LOC")


def f1_with(recognizer: EntityRecognizer, articles: list, steps: set[str]) -> dict:
    return ner_training.evaluate(recognizer, articles, steps=steps)


def classify(gold: set, predicted: list[dict]) -> list[tuple[str, str, tuple, tuple | None]]:
    """(kind, step, predicted or gold span, the other side) for every non-exact mention."""
    out = []
    spans = {(m["start"], m["end"], m["type"]): m["step"] for m in predicted}
    scored_pred = {span: step for span, step in spans.items() if span[2] in SCORED}
    for span, step in scored_pred.items():
        if span in gold:
            continue
        overlapping = [g for g in gold if g[0] < span[1] and span[0] < g[1]]
        if not overlapping:
            out.append(("spurious", step, span, None))
            continue
        same_edges = [g for g in overlapping if g[:2] == span[:2]]
        same_type = [g for g in overlapping if g[2] == span[2]]
        if same_edges:
            out.append(("type", step, span, same_edges[0]))
        elif same_type:
            out.append(("boundary", step, span, same_type[0]))
        else:
            out.append(("boundary+type", step, span, overlapping[0]))
    for g in gold:
        if g in spans:
            continue
        if not any(p[0] < g[1] and g[0] < p[1] for p in spans):
            out.append(("missed", "-", g, None))
        elif not any(p[0] < g[1] and g[0] < p[1] for p in scored_pred):
            # Only a MISC prediction covers it: the type went wrong.
            covering = next(p for p in spans if p[0] < g[1] and g[0] < p[1])
            out.append(("type", spans[covering], covering, g))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ner_training.DEFAULT_CORPUS)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--split", choices=(*ner_training.TUNE_FOLDS, "document"), default="tune")
    parser.add_argument("--final", action="store_true", help="allow the document split (figures only)")
    parser.add_argument(
        "--errors", nargs="*", default=None, help="list errors of these steps (model, -, ...)"
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}")
        return 0
    if args.split == "document" and (not args.final or args.errors is not None):
        print("the document split is for the final figure only: --final, and no --errors", file=sys.stderr)
        return 2
    recognizer = EntityRecognizer(model_path=args.model)
    articles = ner_training.heldout_articles(args.corpus, split=args.split)
    rows = [("model alone", set()), ("all steps", set(STEPS))]
    rows += [(f"all but {step}", set(STEPS) - {step}) for step in STEPS]
    rows += [(f"model + {step}", {step}) for step in STEPS]
    print(f"{args.split} split, {len(articles)} article-sized texts, model {args.model}")
    print(f"{'':22} {'PER':>6} {'ORG':>6} {'LOC':>6} {'ALL':>6}  P / R")
    for name, steps in rows:
        result = f1_with(recognizer, articles, steps)
        cells = " ".join(f"{result[t]['f1']:6.3f}" for t in (*SCORED, "ALL"))
        print(f"{name:22} {cells}  {result['ALL']['p']:.3f} / {result['ALL']['r']:.3f}")
    kinds: Counter = Counter()
    listed = []
    for text, entities in articles:
        gold = {(s, e, t) for s, e, t in entities}
        for kind, step, span, other in classify(gold, recognizer.traced(text)):
            kinds[kind, step] += 1
            if args.errors is not None and (not args.errors or step in args.errors):
                listed.append((kind, step, text, span, other))
    print("\nerrors by kind and step (all steps on):")
    for (kind, step), count in sorted(kinds.items(), key=lambda kv: (kv[0][1], -kv[1])):
        print(f"  {step:8} {kind:14} {count}")
    for kind, step, text, span, other in sorted(listed, key=lambda item: (item[1], item[0])):
        context = (
            text[max(0, span[0] - 40) : span[0]]
            + "["
            + text[span[0] : span[1]]
            + "]"
            + text[span[1] : span[1] + 30]
        )
        gold_side = f"  gold {other[2]} «{text[other[0] : other[1]]}»" if other else ""
        print(
            f"{step:8} {kind:13} {span[2]} «{text[span[0] : span[1]]}»{gold_side}  | {' '.join(context.split())}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
