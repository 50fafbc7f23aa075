"""A bounded client of a URL through the VIP, for the day-2 checks (molecule cluster and day2 scenarios).

    vip_client.py URL LOG STOPFILE MAX_SECONDS

Asks URL (2 s timeout) four times a second until STOPFILE exists or MAX_SECONDS passed, writes
one line per request to LOG ("EPOCH ok|fail MILLISECONDS"), and at the end LOG.json: requests,
failed, the longest gap between two answers (seconds) and each outage (first and last failed
request of every run of failures). Run as a transient unit on a node that is not taken out.
"""

import json
import os
import sys
import time
import urllib.request

url, log_path, stop, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
start = time.time()
requests = failed = 0
longest_gap = 0.0
last_ok = None
outages = []
current = None
with open(log_path, "w", encoding="utf-8") as log:
    while not os.path.exists(stop) and time.time() < start + limit:
        began = time.time()
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                ok = answer.status == 200 and bool(answer.read())
        except Exception:  # pylint: disable=broad-except
            ok = False
        ended = time.time()
        requests += 1
        log.write("%.3f %s %d\n" % (began, "ok" if ok else "fail", (ended - began) * 1000))
        log.flush()
        if ok:
            if last_ok is not None:
                longest_gap = max(longest_gap, ended - last_ok)
            last_ok = ended
            current = None
        else:
            failed += 1
            if current is None:
                current = [began, began]
                outages.append(current)
            current[1] = began
        time.sleep(max(0.0, 0.25 - (time.time() - began)))
summary = {"requests": requests, "failed": failed, "longest_gap": round(longest_gap, 2),
           "outages": [[round(a, 1), round(b, 1)] for a, b in outages], "seconds": round(time.time() - start, 1)}
with open(log_path + ".json", "w", encoding="utf-8") as out:
    json.dump(summary, out)
print(json.dumps(summary))
