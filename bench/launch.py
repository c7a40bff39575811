"""Run a command and report its wall time and peak RSS as JSON on the last line of stderr.

    python bench/launch.py CMD [ARGS...]

Linux carries the RSS high-water mark across fork and exec, so a child forked from a big
process (the bench runner holds models and vectors) reports the parent's size as its own
peak. Forking from this small process keeps `ru_maxrss` the child's.
"""

import json
import os
import sys
import time

MARK = "@@launch "


def main() -> int:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    # CPU seconds (all threads) next to wall time: on a shared machine wall time is mostly
    # the other processes' load, CPU time much less so.
    cpu = round(usage.ru_utime + usage.ru_stime, 3)
    report = {'seconds': seconds, 'maxrss_kb': usage.ru_maxrss, 'cpu_s': cpu}
    sys.stderr.write(f"\n{MARK}{json.dumps(report)}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
