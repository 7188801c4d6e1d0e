#!/usr/bin/env python3
"""Samples whose trace goroutine is not the one their own stack shows (issue 18, Go 1.21's fitted clock).

  stackfold script --json CAPTURE > s.json
  stackfold attribute --json --go-trace TRACE CAPTURE > a.json
  python3 scripts/check-goroutine-stacks.py s.json a.json

A stack whose outermost frame (runtime.goexit dropped) is the start function of some goroutine of the
trace is complete: the goroutine running it started there. Such a sample attributed to a goroutine with
another start function, or to none, disagrees with its own stack. Samples are joined by time and thread;
stacks cut short (deep recursion, --max-stack) are not complete and not counted.
"""
import collections
import sys

from sample_join import attributions, joined


def main(script_json, attribute_json):
    att = attributions(attribute_json)
    starts = {a["function"] for a in att.values() if a.get("function")}
    n = 0
    other = collections.Counter()
    none = collections.Counter()
    for s, a in joined(script_json, att):
        names = [fr["function"] for fr in s["stack"] if fr["function"]]
        while names and names[-1] == "runtime.goexit":
            names.pop()
        if not names or names[-1] not in starts:
            continue
        n += 1
        if a["goroutine"] <= 0 or not a.get("function"):
            none[names[-1]] += 1
        elif a["function"] != names[-1]:
            other[f"{names[-1]} stack attributed to a goroutine of {a['function']}"] += 1
    print(f"{n} samples with complete goroutine stacks: {sum(other.values())} attributed to another goroutine, "
          f"{sum(none.values())} to none")
    for k, v in other.most_common():
        print(f"  {v} {k}")
    for k, v in none.most_common():
        print(f"  {v} {k} stack attributed to no goroutine")
    return 1 if other else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
