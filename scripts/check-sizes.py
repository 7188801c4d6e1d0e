#!/usr/bin/env python3
"""Lists Swift files over 600 lines without a stated reason, and functions over 80 lines.

Issue 20's size rules (CONTRIBUTING.md): a source file stays under ~600 lines unless its header
says why (a line in its first 30 with "size:" / "long because" / "over 600 lines"); a function,
initializer, accessor or closure-as-function (a closure at file or type level, such as
`static let table = { ... }()`) stays under 80 lines, counted from the line of its keyword to
the line of its closing brace. Generated code is skipped: Sources/Pprof/Generated (protoc
output) and any file whose header says "Generated" / "DO NOT EDIT" (FlameSVG/Script.swift,
written by scripts/embed-js.sh).

The scanner matches braces outside comments and string literals (nested /* */, "...",
\"\"\"...\"\"\", raw #"..."#, and \\( ) interpolations); it does not parse Swift, so a brace is
attributed by the words before it on its statement.

  python3 scripts/check-sizes.py [--max-file N] [--max-func N] [ROOT...]   # default: Sources
Exit 1 if anything is listed, 0 if the tree is clean.
"""
import argparse
import os
import re
import sys

SKIP_DIRS = {os.path.join("Sources", "Pprof", "Generated")}
GENERATED = re.compile(r"generated|do not edit", re.I)
FILE_REASON = re.compile(r"size:|long because|over 600 lines", re.I)
FUNC_WORD = re.compile(r"(?:^|[^\w.])(func|init[?!]?|deinit|subscript)\b(?:\s+([^\s(<:{]+))?")
ACCESSOR = re.compile(r"^\s*(?:(?:mutating|nonmutating|private|fileprivate|internal|public)\s+)?"
                      r"(get|set|willSet|didSet|_read|_modify)\b")
COMPUTED = re.compile(r"\b(?:var|let)\s+(\w+)\s*:[^=]*$")
CLOSURE_VAR = re.compile(r"\b(?:var|let)\s+(\w+)\b[^{]*=\s*$")
STRING_OPEN = re.compile(r'(#*)("""|")')
TYPE_WORD = re.compile(r"\b(class|struct|enum|extension|protocol|actor)\s+([\w.]+)")


def strip_code(text):
    """Returns the text with comments and string contents blanked (newlines kept), so that
    braces and keywords left are code."""
    out = []
    i, n = 0, len(text)
    # Stack of open contexts: ("str", hashes, multiline) or ("interp", depth).
    stack = []

    def in_string():
        return stack and stack[-1][0] == "str"

    while i < n:
        c = text[i]
        if in_string():
            _, hashes, multi = stack[-1]
            close = ('"""' if multi else '"') + "#" * hashes
            if text.startswith(close, i):
                out.append('"' + " " * (len(close) - 1))  # a quote stays: `x = ""` ends no statement early
                i += len(close)
                stack.pop()
                continue
            if c == "\\" and text.startswith("#" * hashes + "(", i + 1):
                k = 1 + hashes + 1
                out.append(" " * k)
                i += k
                stack.append(("interp", 0))
                continue
            if c == "\\" and hashes == 0 and i + 1 < n:
                out.append("  " if text[i + 1] != "\n" else " \n")
                i += 2
                continue
            out.append("\n" if c == "\n" else " ")
            i += 1
            continue
        # Code (top level or inside an interpolation).
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
            continue
        m = STRING_OPEN.match(text, i) if c in '"#' else None
        if m:
            hashes = len(m.group(1))
            multi = m.group(2) == '"""'
            out.append('"' + " " * (m.end() - i - 1))
            i = m.end()
            stack.append(("str", hashes, multi))
            continue
        if stack and stack[-1][0] == "interp":
            if c == "(":
                stack[-1] = ("interp", stack[-1][1] + 1)
            elif c == ")":
                if stack[-1][1] == 0:
                    stack.pop()
                    out.append(" ")
                    i += 1
                    continue
                stack[-1] = ("interp", stack[-1][1] - 1)
        out.append(c)
        i += 1
    return "".join(out)


def scan(path):
    """Yields (kind, name, start line, end line) for each function-like block."""
    with open(path, encoding="utf-8") as f:
        lines = strip_code(f.read()).split("\n")
    stack = []  # each open brace: (kind, name, start line)
    header, header_line = "", 0  # the statement before the next brace, and its first line
    for lineno, line in enumerate(lines, 1):
        for ch in line:
            if ch == "{" and header.count("(") > header.count(")"):
                # A closure inside a parameter list or call (`adjust: ... = { $0 }`): the statement
                # around it goes on after it, so its header is kept for the closing brace.
                stack.append(("inline", (header, header_line), lineno))
                header, header_line = "", 0
            elif ch == "{":
                stack.append(classify(header.strip(), header_line or lineno, stack))
                header, header_line = "", 0
            elif ch in "};":
                if ch == "}" and stack:
                    kind, name, start = stack.pop()
                    if kind == "inline":
                        header, header_line = name
                        header += "{}"
                        continue
                    if kind in COUNTED:
                        yield kind, qualified(stack, name), start, lineno
                header, header_line = "", 0
            else:
                if not header.strip() and not ch.isspace():
                    header_line = lineno
                header += ch
        if not continues(header, lines[lineno:]):
            header, header_line = "", 0
        header += "\n"


COUNTED = ("func", "closure", "accessor", "computed")
CONTINUATION_END = ("=", ",", "->", ":", "(", "[", "<", ".", "&&", "||", "in", "where")
CONTINUATION_START = ("{", "where", "throws", "rethrows", "async", "->", ".", ")", "]", ">", ",", "&&", "||")


def continues(header, rest):
    """Whether the statement in header goes on past this line: brackets still open, a line
    ending in an operator, or a next line that starts like a continuation (`{`, `where`, ...)."""
    h = header.strip()
    if not h:
        return False
    if h.count("(") > h.count(")") or h.count("[") > h.count("]"):
        return True
    if h.endswith(CONTINUATION_END):
        return True
    nxt = next((l.strip() for l in rest if l.strip()), "")
    return nxt.startswith(CONTINUATION_START)


def classify(h, start, stack):
    """What a brace opens, from the statement before it: (kind, name, start line)."""
    in_code = any(k in COUNTED or k in ("body", "inline") for k, _, _ in stack)
    m = FUNC_WORD.search(h)
    if m:
        word = m.group(1).rstrip("?!")
        return "func", (m.group(2) if word == "func" else word) or word, start
    a = ACCESSOR.match(h)
    if a and stack and (stack[-1][0] == "computed" or stack[-1][1] == "subscript"):
        return "accessor", a.group(1), start
    if not in_code:
        t = TYPE_WORD.search(h)
        if t:
            return "type", t.group(2), start
        c = COMPUTED.search(h)
        if c:
            return "computed", c.group(1), start
        v = CLOSURE_VAR.search(h)
        if v:
            return "closure", v.group(1), start
    return "body", "", start


def qualified(stack, name):
    owners = [n for k, n, _ in stack if k not in ("body", "inline") and n]
    return ".".join(owners + [name])


SWIFTC_DECL = re.compile(r"^\s*\((func_decl|constructor_decl|destructor_decl|subscript_decl|accessor_decl) "
                         r"decl_context=\S+ (implicit )?range=\[[^\]]*?:(\d+):\d+ - line:(\d+):\d+\]")


def against_swiftc(path, blocks, max_func):
    """Compares the blocks over max_func lines with the declarations swiftc's parser finds, by end
    line (a computed property's getter starts at its brace for swiftc, at `var` here). Closures
    assigned at type level are this scanner's only: they are left out of the comparison."""
    import subprocess
    dump = subprocess.run(["swiftc", "-dump-parse", path], capture_output=True, text=True).stdout
    theirs = {}
    for line in dump.split("\n"):
        m = SWIFTC_DECL.match(line)
        if m and not m.group(2):
            start, end = int(m.group(3)), int(m.group(4))
            if end - start + 1 > max_func:
                theirs[end] = (m.group(1), start)
    ours = {end: (kind, start) for kind, _, start, end in blocks if kind != "closure"}
    bad = 0
    for end in sorted(set(theirs) | set(ours)):
        a, b = ours.get(end), theirs.get(end)
        if a is None or b is None or (a[0] not in ("computed", "accessor") and a[1] != b[1]):
            print(f"{path}: ends at {end}: this scanner {a}, swiftc {b}", file=sys.stderr)
            bad += 1
    return bad


def self_test():
    """The scanner on a made-up file whose answers are known: what it must list and must not."""
    import tempfile
    body = "        x += 1\n" * 80
    src = (
        "struct S {\n"                                                    # 1
        "    let s = \"func f() {\"  // func g() {\n"                     # 2: in a string and a comment
        "    func long(\n        a: Int = { 1 }(),\n"                    # 3-4: a closure in a parameter
        "        b: Result<\n            Int, Error\n        >\n    ) {\n"  # 5-8: a wrapped generic
        + body +                                                           # 9-88
        "        let t = \"\"\"\n        }}} \\(x) {\n        \"\"\"\n"  # 89-91: braces in a string
        "    }\n"                                                         # 92: long is 3-92, 90 lines
        "    func short() {\n" + "        x += 1\n" * 78 + "    }\n"     # 93-172: 80 lines, not listed
        "    var computed: Int {\n" + body + "        return 1\n    }\n"  # 173-255: 83 lines
        "    static let table: [Int] = {\n" + body + "        return []\n    }()\n"  # 256-338: 83
        "}\n")
    with tempfile.NamedTemporaryFile("w", suffix=".swift", delete=False) as f:
        f.write(src)
    got = sorted((name, start, end - start + 1) for kind, name, start, end in scan(f.name)
                 if end - start + 1 > 80)
    os.unlink(f.name)
    want = [("S.computed", 173, 83), ("S.long", 3, 90), ("S.table", 256, 83)]
    print(f"check-sizes self-test: {'ok' if got == want else 'FAILED'}: got {got}, want {want}", file=sys.stderr)
    return 0 if got == want else 1


def file_reason(path):
    with open(path, encoding="utf-8") as f:
        head = "".join(f.readline() for _ in range(30))
    return head


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-file", type=int, default=600)
    ap.add_argument("--max-func", type=int, default=80)
    ap.add_argument("--against-swiftc", action="store_true",
                    help="also parse each file with `swiftc -dump-parse` and list where its functions over "
                         "--max-func differ from this scanner's (a check of the scanner)")
    ap.add_argument("roots", nargs="*", default=["Sources"])
    ap.add_argument("--self-test", action="store_true", help="check the scanner on a made-up file, then exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    found, files, skipped, disagreements = [], 0, [], 0
    for root in args.roots:
        walk = [(os.path.dirname(root), [], [os.path.basename(root)])] if os.path.isfile(root) else os.walk(root)
        for d, dirs, names in walk:
            dirs.sort()
            if os.path.normpath(d) in SKIP_DIRS:
                skipped.append(d)
                dirs[:] = []
                continue
            for name in sorted(names):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(d, name)
                head = file_reason(path)
                if GENERATED.search("\n".join(head.split("\n")[:5])):
                    skipped.append(path)
                    continue
                files += 1
                with open(path, encoding="utf-8") as f:
                    count = sum(1 for _ in f)
                if count > args.max_file and not FILE_REASON.search(head):
                    found.append(f"{path}: {count} lines, over {args.max_file}, no reason in its header")
                blocks = [b for b in scan(path) if b[3] - b[2] + 1 > args.max_func]
                for _, fname, start, end in blocks:
                    found.append(f"{path}:{start}: {fname} is {end - start + 1} lines, over {args.max_func}")
                if args.against_swiftc:
                    disagreements += against_swiftc(path, blocks, args.max_func)
    for line in found:
        print(line)
    print(f"check-sizes: {len(found)} listed in {files} Swift files; skipped as generated: "
          f"{', '.join(skipped) or 'none'}", file=sys.stderr)
    if args.against_swiftc:
        print(f"check-sizes: swiftc -dump-parse and this scanner disagree on {disagreements} function(s) "
              f"over {args.max_func} lines", file=sys.stderr)
    return 1 if found or disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
