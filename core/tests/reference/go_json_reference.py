#!/usr/bin/env python3
"""Independent reference for the cursor wire format, used once to derive the known answers in
core/tests/reference/known_answers.jsonl (read by core/tests/known_answers.rs) (it is not part of the test run; the answers are committed).

It shares no code with the Rust encoder: Python's json module (ensure_ascii=False, compact
separators) plus Go's HTML-safe replacements, then base64url without padding.
Run from this folder: python3 go_json_reference.py
"""
import base64
import json


def go_string(s):
    out = json.dumps(s, ensure_ascii=False)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(raw, esc)
    return out


def cursor(s, o, v, i):
    v_json = "null" if v is None else go_string(v)
    text = '{"s":%s,"o":"%s","v":%s,"id":%s}' % (go_string(s), o, v_json, go_string(i))
    b64 = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
    return text, b64


CASES = [
    ("created_at", "desc", "1706778000000000", "42"),
    ("name", "asc", "<b>Tom & Jerry</b>", "7"),
    ("name", "asc", "line\u2028para\u2029end", "8"),
    ("name", "desc", "café 😀", "9"),
    ("name", "asc", 'say "hi"', "10"),
    ("name", "asc", "C:\\path\\n", "11"),
    ("name", "asc", "\x01\t\n\r\x08\x0c\x1f\x7f", "12"),
    ("name", "asc", "", "13"),
    ("name", "asc", "x" * 512, "14"),
    ("size", "desc", "-12345.6789", "0b9f4f2e-9a43-4c49-8a7a-2f3c1d5e6f70"),
    ("updated_at", "asc", "0", "1"),
    ("name", "asc", "v", "i" * 128),
    ("naïve ☃", "asc", "ü", "ß"),
    ("priority", "asc", None, "16"),
    ("name", "asc", "a+b/c=d?e", "id with spaces"),
]


# Cap boundaries. JSON of 768 bytes is exactly 1024 base64url characters, 769 bytes is 1026.
# With sort "name" and id "1" the JSON around the value is 38 bytes, so a 730-byte value of at most
# 512 characters sits exactly on the 1024 limit: "é" * 218 + "x" * 294 (436 + 294 bytes).
BOUNDARY_OK = ("name", "asc", "é" * 218 + "x" * 294, "1")
BOUNDARY_OVER = ("name", "asc", "é" * 219 + "x" * 293, "1")   # 512 characters, 1026-byte cursor
REJECTED = [
    (BOUNDARY_OVER, "TooLong"),
    (("name", "asc", "é" * 512, "15"), "TooLong"),             # 512 characters, 1418-byte cursor
    (("name", "asc", "<" * 300, "1"), "TooLong"),              # escaping inflates 300 chars to 1800 bytes
    (("name", "asc", "x" * 513, "1"), "ValueTooLong"),
    (("name", "asc", "v", "i" * 129), "IdTooLong"),
    (("name", "asc", "v", ""), "EmptyId"),
    (("", "asc", "v", "1"), "EmptySort"),
    # Go would write "\u0000", but no Postgres text holds NUL: pg_keyset refuses it both ways.
    (("name", "asc", "a\x00b", "1"), "Nul"),
]

if __name__ == "__main__":
    out = open("known_answers.jsonl", "w", encoding="utf-8")
    for c in CASES + [BOUNDARY_OK]:
        text, b64 = cursor(*c)
        assert len(b64) <= 1024 and (c[2] is None or len(c[2]) <= 512) and 0 < len(c[3]) <= 128, c
        out.write(json.dumps({"s": c[0], "o": c[1], "v": c[2], "id": c[3], "json": text, "cursor": b64},
                             ensure_ascii=False) + "\n")
    for c, fault in REJECTED:
        text, b64 = cursor(*c)
        out.write(json.dumps({"s": c[0], "o": c[1], "v": c[2], "id": c[3], "rejected": fault,
                              "encoded_len": len(b64)}, ensure_ascii=False) + "\n")
    print("wrote known_answers.jsonl")
