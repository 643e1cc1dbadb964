#!/usr/bin/env python3
"""A delay line for kernels without netem: every IP packet routed into the TUN device DEV
comes back out of it DELAY_MS later, unchanged (scripts/bench-p2p.sh routes the traffic of
one local address through it, so each direction of each exchange waits DELAY_MS).

    delay-line.py DEV DELAY_MS SECONDS

Runs for at most SECONDS; the standard library only.
"""

import fcntl
import heapq
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main() -> int:
    dev, delay_ms, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    print(f"delay-line: {dev} up, {delay_ms} ms", flush=True)
    delay = delay_ms / 1000.0
    end = time.monotonic() + limit
    queue = []  # (due, seq, packet)
    seq = 0
    while True:
        now = time.monotonic()
        if now >= end:
            return 0
        while queue and queue[0][0] <= now:
            _, _, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
            except OSError as e:
                print(f"delay-line: write failed: {e}", file=sys.stderr, flush=True)
        wait = min(end - now, (queue[0][0] - now) if queue else 0.5)
        ready, _, _ = select.select([fd], [], [], max(wait, 0))
        if ready:
            packet = os.read(fd, 65536)
            seq += 1
            heapq.heappush(queue, (time.monotonic() + delay, seq, packet))


if __name__ == "__main__":
    sys.exit(main())
