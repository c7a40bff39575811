"""Peak memory and time of reading hostile HTML pages of about 1.35 MB (issue 22).

Each page is parsed by `retrieval.index.corpus.parse_bytes` in a fresh subprocess, whose
peak RSS (ru_maxrss) is its own. Run from the repository root:

    PYTHONPATH=$PWD python bench/html_memory.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TARGET_BYTES = 1_350_000


def page(shape: str) -> str:
    """A page of about TARGET_BYTES in one hostile shape."""
    if shape == "nested paragraphs":  # unclosed-then-closed <p>, 990 deep, repeated
        block = "<p>word " * 990 + "</p>" * 990
    elif shape == "many small tags":  # under the tag cap before it was lowered
        block = "<p><b>w</b></p>"
    elif shape == "many list items":
        block = "<li>a b</li>"
    elif shape == "nested paragraphs, 99,000 tags":  # just under today's cap
        return "<html><body>" + ("<p>word " * 990 + "</p>" * 990) * 100 + "</body></html>"
    elif shape == "small tags, 99,000":
        return "<html><body>" + "<p><b>w</b></p>" * 49_500 + "</body></html>"
    elif shape == "20 MB of text, few tags":
        return "<html><body>" + "<p>" + "lorem ipsum dolor sit amet " * 740_000 + "</p></body></html>"
    else:
        raise ValueError(shape)
    return "<html><body>" + block * max(1, TARGET_BYTES // len(block)) + "</body></html>"


SHAPES = ["nested paragraphs", "many small tags", "many list items",
          "nested paragraphs, 99,000 tags", "small tags, 99,000", "20 MB of text, few tags"]

CHILD = """
import json, resource, sys, time
from retrieval.errors import IngestError
from retrieval.index.corpus import parse_bytes
sys.path.insert(0, 'bench')
from html_memory import page
raw = page(sys.argv[1]).encode()
start = time.monotonic()
try:
    doc = parse_bytes(raw, '.html', doc_id='x', origin='page.html', name='page')
    outcome = f'{len(doc.text):,} characters of text'
except IngestError as err:
    outcome = 'refused: ' + err.reason
print(json.dumps({'bytes': len(raw), 'seconds': round(time.monotonic() - start, 1),
                  'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  'outcome': outcome}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=SHAPES, action="append")
    args = parser.parse_args()
    print("| page | size | peak RSS | time | outcome |\n| --- | --- | --- | --- | --- |")
    for shape in args.shape or SHAPES:
        done = subprocess.run([sys.executable, "-c", CHILD, shape], capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            print(f"| {shape} | | | | crashed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {shape} | {row['bytes'] / 1e6:.2f} MB | {row['peak_mb']:,} MB | "
              f"{row['seconds']} s | {row['outcome']} |")


if __name__ == "__main__":
    main()
