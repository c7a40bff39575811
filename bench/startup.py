"""Start-up costs a user feels: `backstory --help`, a cold `ask`, `chat`'s first prompt.

    python bench/startup.py --data DIR --corpus DIR [--large-data DIR --large-corpus DIR]

(the index in DIR built beforehand with `BACKSTORY_DATA_DIR=DIR backstory ingest`) prints
one JSON object: wall seconds, CPU seconds and peak RSS per command, and the load average
before and after each. Also the subprocess helper the bench runs everything through: wall
time, CPU time and peak RSS (the child's own rusage, read when it is reaped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHAT_TIMEOUT_S = 30.0
QUIET_S = 0.7  # no output and no CPU for this long: the chat is waiting for the user
PROMPT = re.compile(r"[>›❯»:?]\s*$")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\r")
CPR_REQUEST = "\x1b[6n"  # prompt_toolkit asks where the cursor is; a terminal answers


LAUNCH = Path(__file__).resolve().parent / "launch.py"
LAUNCH_MARK = "@@launch "


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float | None
    cpu_s: float | None = None


def run_measured(cmd: list[str], cwd: Path, env: dict | None = None) -> Measured:
    """Run cmd through bench/launch.py: its own wall time and peak RSS, not this process's."""
    proc = subprocess.run(
        [sys.executable, str(LAUNCH), *cmd],
        capture_output=True,
        check=False,
        text=True,
        cwd=cwd,
        env=env or os.environ.copy(),
    )
    err, _, mark = proc.stderr.rpartition(LAUNCH_MARK)
    report = json.loads(mark) if mark else {}
    return Measured(
        proc.returncode,
        proc.stdout,
        err if mark else proc.stderr,
        report.get("seconds", float("nan")),
        round(report["maxrss_kb"] / 1024, 1) if "maxrss_kb" in report else None,
        report.get("cpu_s"),
    )


def backstory_cmd() -> list[str]:
    exe = shutil.which("backstory")
    return [exe] if exe else [sys.executable, "-m", "bot.cli"]


def index_env(data: Path, corpus: Path) -> dict:
    env = os.environ.copy()
    env["BACKSTORY_DATA_DIR"] = str(data.resolve())
    env["BACKSTORY_CORPUS_DIR"] = str(corpus.resolve())
    return env


def _summary(runs: list[Measured], extra: dict | None = None) -> dict:
    cpu = [r.cpu_s for r in runs if r.cpu_s is not None]
    return {
        "median_s": round(float(np.median([r.seconds for r in runs])), 3),
        "runs_s": [round(r.seconds, 3) for r in runs],
        **({"cpu_median_s": round(float(np.median(cpu)), 3)} if cpu else {}),
        "peak_rss_mb": float(np.median([r.peak_rss_mb or 0 for r in runs])),
        **(extra or {}),
    }


def measure_ask(repo: Path, data: Path, corpus: Path, question: str, repeats: int) -> dict:
    cmd = backstory_cmd() + ["ask", question, "--json"]
    before = _load()
    runs = [run_measured(cmd, repo, index_env(data, corpus)) for _ in range(repeats)]
    failed = [r for r in runs if r.returncode]
    if failed:
        return {"error": failed[0].stderr.strip()[-500:]}
    inside = [json.loads(r.stdout)["timings_ms"]["total"] for r in runs]
    return _summary(runs, {"answer_total_ms_median": float(np.median(inside)),
                           "load_before": before, "load_after": _load()})


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure_chat(repo: Path, data: Path, corpus: Path, repeats: int) -> dict:
    probe = run_measured(backstory_cmd() + ["chat", "--help"], repo)
    if probe.returncode:
        return {"skipped": "no `backstory chat` command in this checkout"}
    try:
        import pexpect  # noqa: F401
    except ImportError:
        return {"skipped": "pexpect is not installed"}
    runs = [_chat_once(repo, index_env(data, corpus)) for _ in range(repeats)]
    if any("error" in r for r in runs):
        return next(r for r in runs if "error" in r)
    return {
        "median_s": round(float(np.median([r["seconds"] for r in runs])), 3),
        "runs_s": [r["seconds"] for r in runs],
        "peak_rss_mb": float(np.median([r["peak_rss_mb"] or 0 for r in runs])),
        "detected_by": runs[0]["detected_by"],
        "prompt_line": runs[0]["prompt_line"],
    }


def _chat_once(repo: Path, env: dict) -> dict:
    """Seconds from spawning `backstory chat` in a pty until its prompt is on screen."""
    import pexpect

    cmd = backstory_cmd() + ["chat"]
    started = time.perf_counter()
    child = pexpect.spawn(
        cmd[0],
        cmd[1:],
        cwd=str(repo),
        env=env,
        encoding="utf-8",
        dimensions=(40, 120),
        codec_errors="replace",
    )
    screen, last_output, found, how = "", None, None, ""
    cpu_before = _cpu_ticks(child.pid)
    try:
        while time.perf_counter() - started < CHAT_TIMEOUT_S:
            try:
                data = child.read_nonblocking(4096, timeout=0.05)
            except pexpect.TIMEOUT:
                now = time.perf_counter()
                if last_output and now - last_output > QUIET_S:
                    cpu_now = _cpu_ticks(child.pid)
                    if cpu_now == cpu_before:
                        found, how = last_output, "quiet and idle"
                        break
                    cpu_before = cpu_now
                continue
            except pexpect.EOF:
                return {"error": f"chat exited before its prompt: {ANSI.sub('', screen)[-300:]}"}
            last_output = time.perf_counter()
            cpu_before = _cpu_ticks(child.pid)
            if CPR_REQUEST in data:
                child.send("\x1b[1;1R")
            screen += data
            visible = ANSI.sub("", screen).rstrip("\n")
            if visible and PROMPT.search(visible.splitlines()[-1]):
                found, how = last_output, "prompt character"
                break
        rss = _peak_rss_mb(child.pid)
    finally:
        child.terminate(force=True)
    if found is None:
        return {"error": f"no prompt within {CHAT_TIMEOUT_S:g} s: {ANSI.sub('', screen)[-300:]}"}
    lines = ANSI.sub("", screen).strip().splitlines()
    return {
        "seconds": round(found - started, 3),
        "peak_rss_mb": rss,
        "detected_by": how,
        "prompt_line": lines[-1][-60:] if lines else "",
    }


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return -1


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def measure(
    repo: Path,
    *,
    real_index: Path,
    real_corpus: Path,
    large_index: Path | None,
    large_corpus: Path | None,
    large_size: int | None,
    repeats: int,
    question: str,
) -> dict:
    help_runs = [run_measured(backstory_cmd() + ["--help"], repo) for _ in range(repeats)]
    result = {
        "help": _summary(help_runs),
        "ask_real": measure_ask(repo, real_index, real_corpus, question, max(5, repeats)),
        "chat_first_prompt": measure_chat(repo, real_index, real_corpus, max(5, repeats)),
    }
    if large_index and large_corpus and large_index.exists():
        result["ask_large"] = {
            "size": large_size,
            **measure_ask(repo, large_index, large_corpus, question, repeats),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a built data dir")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--large-data", type=Path)
    parser.add_argument("--large-corpus", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--question", default="How many Russian peacekeepers were deployed?")
    parser.add_argument("--only", choices=("help", "ask", "chat", "large"), action="append",
                        help="measure only these (repeatable); default: all")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parent.parent
    only = set(args.only or ("help", "ask", "chat", "large"))
    result: dict = {"load_before": _load(), "pythonpath": os.environ.get("PYTHONPATH")}
    if "help" in only:
        result["help"] = _summary([run_measured(backstory_cmd() + ["--help"], repo)
                                   for _ in range(args.repeats)])
    if "ask" in only:
        result["ask_real"] = measure_ask(repo, args.data, args.corpus, args.question,
                                         args.repeats)
    if "chat" in only:
        result["chat_first_prompt"] = measure_chat(repo, args.data, args.corpus, args.repeats)
    if "large" in only and args.large_data and args.large_corpus:
        result["ask_large"] = measure_ask(repo, args.large_data, args.large_corpus,
                                          args.question, args.repeats)
    result["load_after"] = _load()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
