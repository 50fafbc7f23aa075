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
tcp = udp = None
while tcp is None and time.time() < start + 120:  # dockerd lets go of the port while it leaves
    tcp = socket.socket()
    # closed gossip connections stay in TIME_WAIT on the port for a minute; SO_REUSEADDR binds
    # past them, and still keeps dockerd out while this socket listens (Linux)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        tcp.bind((address, port))
        udp.bind((address, port))
        tcp.listen(1)
    except OSError as exc:
        print("waiting for the port: %s" % exc, flush=True)
        tcp.close()
        udp.close()
        tcp = None
        time.sleep(1)
if tcp is None:
    print("never bound %s:%d" % (address, port), flush=True)
    sys.exit(2)
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
