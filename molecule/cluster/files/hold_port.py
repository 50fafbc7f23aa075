"""Hold ADDRESS:PORT (TCP and UDP) until dockerd's log says it could not bind it, then 5 s more.

Reproduces a node whose network agent did not start after a quick re-join (dockerd: "error in
agentInit: failed to create memberlist ... bind: address already in use"). Gives up after LIMIT
seconds. Run as a transient unit: systemd-run python3 hold_port.py ADDRESS PORT LIMIT.
"""

import socket
import subprocess
import sys
import time

address, port, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = int(time.time())
tcp = socket.socket()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for attempt in range(30):  # dockerd lets go of the port while it leaves the swarm
    try:
        tcp.bind((address, port))
        udp.bind((address, port))
        break
    except OSError as exc:
        print("waiting for the port: %s" % exc, flush=True)
        time.sleep(1)
tcp.listen(1)
print("holding %s:%d" % (address, port), flush=True)
while time.time() < start + limit:
    log = subprocess.run(["journalctl", "--unit", "docker", "--since", "@%d" % start, "--no-pager", "--output", "cat"],
                         capture_output=True, text=True, check=False).stdout
    if "address already in use" in log and ":%d" % port in log:
        print("dockerd could not bind it", flush=True)
        time.sleep(5)
        print("released", flush=True)
        sys.exit(0)
    time.sleep(2)
print("dockerd never reported the port in use", flush=True)
sys.exit(1)
