# Checks a flame graph of a perf.data capture against `perf script` of the same capture (made by perf):
# the root and each process frame must carry perf's sample count and the sum of perf's periods in the
# unit of the event (time for cpu-clock/task-clock: `N samples, 412.4 ms`; else `N samples, M <event>`).
#   python3 units.py CAPTURE.script.txt GRAPH.svg [EVENT]   (EVENT: the one folded, when the capture has several)
import re, sys, html
from collections import Counter
script, svg = sys.argv[1], sys.argv[2]
samples, periods, events = Counter(), Counter(), set()
for line in open(script, errors="replace"):
    # perf script's default header: comm (left-aligned, may hold spaces) tid [cpu] time: period event:
    m = re.match(r"^(\S.*?)\s+\d+(?:/\d+)?\s+(?:\[\d+\]\s+)?[\d.]+:\s+(\d+)\s+(\S+?):", line)
    if not m: continue
    if len(sys.argv) > 3 and m.group(3) != sys.argv[3]: continue
    comm = m.group(1).replace(" ", "_")
    samples[comm] += 1; periods[comm] += int(m.group(2)); events.add(m.group(3))
def duration(ns):  # WeightUnit.duration, written again from its rule
    a = abs(ns)
    if a >= 1e9: return "%.2f s" % (ns / 1e9)
    if a >= 1e6: return "%.1f ms" % (ns / 1e6)
    if a >= 1e3: return "%.1f \u00b5s" % (ns / 1e3)
    return "%.0f ns" % ns
def label(n, p):
    ev = re.sub(r"/.*/$", "", next(iter(events)))  # cpu-clock/freq=250/ is a cpu-clock
    unit = duration(p) if ev in ("cpu-clock", "task-clock") else "{:,} {}".format(p, ev)
    return "{:,} sample{}, {}".format(n, "" if n == 1 else "s", unit)
titles = {}
for t in re.findall(r"<title>(.*?)</title>", open(svg, encoding="utf-8").read()):
    t = html.unescape(t)
    m = re.match(r"^(.*) \((.*), [\d.]+%\)$", t)
    if m and m.group(1) not in titles: titles[m.group(1)] = m.group(2)
want = {"all": label(sum(samples.values()), sum(periods.values()))}
for c in samples: want[c] = label(samples[c], periods[c])
bad = [(k, titles.get(k), v) for k, v in want.items() if titles.get(k) != v]
print("%d samples of %s in %d processes; root: %s; %d wrong" % (sum(samples.values()), "/".join(sorted(events)), len(samples), titles.get("all"), len(bad)))
for b in bad[:10]: print("  ", b)
sys.exit(1 if bad or len(events) != 1 else 0)
