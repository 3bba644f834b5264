// SPDX-License-Identifier: GPL-2.0
// The in-kernel echo of `server --mode echo --io sockmap`: an sk_skb verdict program that sends
// every received skb back out of the socket it arrived on. User space only accepts and inserts
// each connection into `echo_socks`; it never sees a byte.
//
// The map is a SOCKHASH keyed by the connection's addresses and ports, because a verdict program
// has no other way to name "the socket this skb came from": the skb carries the 4-tuple, and the
// worker computes the same key from getsockname()/getpeername() when it inserts the socket.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// Must match SockKey in server/sockmap/sock_key.h.
struct sock_key {
  __u32 remote_ip[4];  // IPv4: remote_ip[0], network byte order; IPv6: all four words
  __u32 local_ip[4];
  __u32 remote_port;  // network byte order, in the low 16 bits
  __u32 local_port;   // host byte order
  __u32 family;
};

struct {
  __uint(type, BPF_MAP_TYPE_SOCKHASH);
  __uint(max_entries, 65536);
  __type(key, struct sock_key);
  __type(value, __u64);
} echo_socks SEC(".maps");

SEC("sk_skb/stream_parser")
int echo_parser(struct __sk_buff *skb) {
  return skb->len;  // every skb is a whole message: no framing, just bytes
}

SEC("sk_skb/stream_verdict")
int echo_verdict(struct __sk_buff *skb) {
  struct sock_key key = {};
  key.family = skb->family;
  if (skb->family == 2 /* AF_INET */) {
    key.remote_ip[0] = skb->remote_ip4;
    key.local_ip[0] = skb->local_ip4;
  } else {
    key.remote_ip[0] = skb->remote_ip6[0];
    key.remote_ip[1] = skb->remote_ip6[1];
    key.remote_ip[2] = skb->remote_ip6[2];
    key.remote_ip[3] = skb->remote_ip6[3];
    key.local_ip[0] = skb->local_ip6[0];
    key.local_ip[1] = skb->local_ip6[1];
    key.local_ip[2] = skb->local_ip6[2];
    key.local_ip[3] = skb->local_ip6[3];
  }
  // The remote port is in network byte order; kernels since 6.x (and 5.x stable) put it in the
  // upper 16 bits of the field, older ones in the lower 16. A port is never 0, so this tells.
  __u32 remote_port = skb->remote_port;
  if (remote_port > 0xffff) remote_port >>= 16;
  key.remote_port = remote_port;
  key.local_port = skb->local_port;
  // Flags 0: BPF_F_INGRESS clear, so the skb goes to the socket's egress, i.e. back to the peer.
  return bpf_sk_redirect_hash(skb, &echo_socks, &key, 0);
}

char _license[] SEC("license") = "GPL";
