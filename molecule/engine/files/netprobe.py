"""Send or receive one probe packet on the cluster network.

Installed as /usr/local/bin/netprobe and run with python3:

    netprobe listen tcp|udp PORT [BIND]           print the first payload received
    netprobe listen mcast GROUP PORT IFADDR       join GROUP on the NIC with IFADDR
    netprobe listen vrrp IFADDR                   raw IP protocol 112, joins 224.0.0.18
    netprobe send tcp|udp ADDR PORT PAYLOAD
    netprobe send mcast GROUP PORT IFADDR PAYLOAD
    netprobe send vrrp IFADDR PAYLOAD             raw IP protocol 112 to 224.0.0.18, TTL 255
"""
import socket
import struct
import sys

TIMEOUT = 30


def main(argv):
    action, kind = argv[0], argv[1]
    if kind == "vrrp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
        ifaddr = argv[2]
        if action == "listen":
            mreq = struct.pack("4s4s", socket.inet_aton("224.0.0.18"), socket.inet_aton(ifaddr))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            sock.settimeout(TIMEOUT)
            while True:
                data, peer = sock.recvfrom(65535)
                payload = data[(data[0] & 0x0F) * 4:]
                if peer[0] != ifaddr:
                    print(peer[0], payload.decode(errors="replace"), flush=True)
                    return 0
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ifaddr))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        sock.sendto(argv[3].encode(), ("224.0.0.18", 0))
        return 0
    if kind == "mcast":
        group, port, ifaddr = argv[2], int(argv[3]), argv[4]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if action == "listen":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((group, port))
            mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(ifaddr))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            sock.settimeout(TIMEOUT)
            data, peer = sock.recvfrom(65535)
            print(peer[0], data.decode(), flush=True)
            return 0
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ifaddr))
        sock.sendto(argv[5].encode(), (group, port))
        return 0
    stype = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET, stype)
    if action == "listen":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((argv[3] if len(argv) > 3 else "0.0.0.0", int(argv[2])))
        sock.settimeout(TIMEOUT)
        if kind == "tcp":
            sock.listen(1)
            conn, peer = sock.accept()
            data = conn.recv(65535)
        else:
            data, peer = sock.recvfrom(65535)
        print(peer[0], data.decode(), flush=True)
        return 0
    sock.settimeout(TIMEOUT)
    sock.connect((argv[2], int(argv[3])))
    sock.send(argv[4].encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
