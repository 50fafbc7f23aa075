"""Failover times seen by a client, from the VIP probe's log (molecule cluster scenario).

The probe on w1 writes one line per request, "EPOCH VIP ok|fail", and the side effect writes
"EPOCH MARK NAME" right before each fault.  For every mark and VIP this prints (JSON) the
seconds from the mark to the first answer after the requests that failed, or 0 when no
request failed before the next mark.  The mark is written before the fault is started, so
each figure is an upper bound of the time from the fault to the first good answer.

    vip_outages.py LOG
"""

import json
import sys


def outages(lines):
    marks, samples = [], []
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        try:
            stamp = float(parts[0])
        except ValueError:
            continue
        if parts[1] == "MARK":
            marks.append((stamp, parts[2]))
        else:
            samples.append((stamp, parts[1], parts[2] == "ok"))
    vips = sorted({sample[1] for sample in samples})
    result = {}
    for index, (start, name) in enumerate(marks):
        end = marks[index + 1][0] if index + 1 < len(marks) else float("inf")
        result[name] = {}
        for vip in vips:
            window = [(t, ok) for t, v, ok in samples if v == vip and start <= t < end]
            first_fail = next((t for t, ok in window if not ok), None)
            if first_fail is None:
                result[name][vip] = {"outage": 0.0, "failed": 0, "answered": sum(ok for t, ok in window)}
                continue
            recovered = next((t for t, ok in window if ok and t > first_fail), None)
            result[name][vip] = {
                "outage": round(recovered - start, 1) if recovered is not None else None,
                "failed": sum(not ok for t, ok in window),
                "answered": sum(ok for t, ok in window),
            }
    return result


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        print(json.dumps(outages(handle.read().splitlines()), indent=1, sort_keys=True))
