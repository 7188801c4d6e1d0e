# Checks a --colors go flame graph against perf script of the same capture: a frame is drawn in the
# kernel colour (green) exactly when perf names it in [kernel.kallsyms].
#   python3 kernel-colours.py CAPTURE.script.txt GRAPH.svg
import re, sys, html
script, svg = sys.argv[1], sys.argv[2]
kernel = set()
user = set()
for line in open(script, errors="replace"):
    m = re.match(r"\s+[0-9a-f]+ (.*?)(\+0x[0-9a-f]+)? \((.*)\)$", line)
    if not m: continue
    (kernel if m.group(3) == "[kernel.kallsyms]" else user).add(m.group(1))
s = open(svg).read()
def green(c):
    r, g, b = map(int, re.match(r"rgb\((\d+),(\d+),(\d+)\)", c).groups())
    return r == b and 50 <= r <= 110 and g >= 200
frames = re.findall(r'<title>(.*?) \([^<]*</title><rect [^>]*fill="([^"]+)"', s)
bad = []
nk = 0
for name, fill in frames:
    name = html.unescape(name)
    isk = name in kernel or name.startswith("[[kernel") or name.startswith("[unknown] ([kernel")
    if isk: nk += 1
    if isk != green(fill): bad.append((name, fill, isk))
print(len(frames), "frames,", nk, "kernel,", len(bad), "wrong")
for b in bad[:10]: print("  ", b)
sys.exit(1 if bad or nk == 0 else 0)
