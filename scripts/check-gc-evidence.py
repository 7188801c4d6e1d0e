#!/usr/bin/env python3
"""Share of samples attributed the GC state their own stack shows (docs/trace-pairing.md).

  stackfold script --json CAPTURE > s.json
  stackfold attribute --json --go-trace TRACE CAPTURE > a.json
  python3 scripts/check-gc-evidence.py s.json a.json

A stack through runtime.gcAssistAlloc/gcAssistAlloc1 should be `assist`, one through
runtime.gcBgMarkWorker `mark-worker`; stacks through runtime.mcall (parked) are not counted.
Samples are joined by time and thread.
"""
import collections
import sys

from sample_join import attributions, joined


def main(script_json, attribute_json):
    n = good = 0
    wrong = collections.Counter()
    for s, a in joined(script_json, attributions(attribute_json)):
        gc = a["gc"]
        names = [fr["function"] for fr in s["stack"]]
        if "runtime.mcall" in names:
            continue
        if "runtime.gcAssistAlloc" in names or "runtime.gcAssistAlloc1" in names:
            expected = "assist"
        elif "runtime.gcBgMarkWorker" in names:
            expected = "mark-worker"
        else:
            continue
        n += 1
        if gc == expected:
            good += 1
        else:
            wrong[f"{expected} stack attributed {gc}"] += 1
    print(f"{n} samples with GC stacks, {good} attributed as their stack shows ({100 * good / max(n, 1):.1f} %)")
    for k, v in wrong.most_common():
        print(f"  {v} {k}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
