"""Joins `stackfold script --json` samples with `stackfold attribute --json` lines by time and thread,
for the check-*.py scripts that compare a sample's own stack with what the trace attributed to it."""
import json


def attributions(attribute_json):
    """The attribute lines by (time, tid)."""
    att = {}
    with open(attribute_json) as f:
        for line in f:
            a = json.loads(line)
            att[(a["time"], a["tid"])] = a
    return att


def joined(script_json, att):
    """Each script sample that has an attribution, with it: (sample, attribution)."""
    with open(script_json) as f:
        for line in f:
            s = json.loads(line)
            a = att.get((s["time"], s["tid"]))
            if a is not None:
                yield s, a
