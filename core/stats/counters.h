// The per-worker counters, listed once: the X-macro gives each its index, its Prometheus name and
// its help text, so a new counter is one line here and shows up in -v totals and /metrics.
#pragma once

#include <cstddef>
#include <cstdint>

namespace percore::stats {

// X(enum name, metric name, help)
#define PERCORE_COUNTERS(X)                                                              \
  X(kAccepted, "accepted_total", "Connections accepted")                                 \
  X(kClosed, "closed_total", "Connections closed")                                       \
  X(kRequests, "requests_total", "Requests parsed")                                      \
  X(kResp1xx, "responses_1xx_total", "Responses with a 1xx status")                      \
  X(kResp2xx, "responses_2xx_total", "Responses with a 2xx status")                      \
  X(kResp3xx, "responses_3xx_total", "Responses with a 3xx status")                      \
  X(kResp4xx, "responses_4xx_total", "Responses with a 4xx status")                      \
  X(kResp5xx, "responses_5xx_total", "Responses with a 5xx status")                      \
  X(kBytesIn, "bytes_in_total", "Bytes received from clients")                           \
  X(kBytesOut, "bytes_out_total", "Bytes sent to clients")                               \
  X(kParseErrors, "parse_errors_total", "Malformed requests (400, 431, 505)")            \
  X(kTimeouts, "timeouts_total", "Connections closed by the header or idle timeout")     \
  X(kAcceptErrors, "accept_errors_total", "accept() failures such as EMFILE")            \
  X(kIoErrors, "io_errors_total", "Connections ended by a socket error")                 \
  X(kProxyForwarded, "proxy_forwarded_total", "Requests forwarded to a backend")         \
  X(kUpstreamConnects, "backend_connects_total", "New connections opened to backends")   \
  X(kPoolReuses, "backend_pool_reuses_total", "Requests sent on a pooled connection")    \
  X(kUpstreamRetries, "backend_retries_total", "Requests retried on another connection") \
  X(kUpstreamFailures, "backend_failures_total", "Backend connect/IO failures")          \
  X(kBadGateway, "proxy_502_total", "502 Bad Gateway answers")                           \
  X(kGatewayTimeout, "proxy_504_total", "504 Gateway Timeout answers")                   \
  X(kInjectedFailures, "injected_failures_total", "Answers made --fail-rate errors")     \
  X(kInjectedResets, "injected_resets_total", "Connections reset by --reset-rate")       \
  X(kDroppedRequests, "dropped_requests_total", "Requests never answered (drop=1)")      \
  X(kDelayedRequests, "delayed_requests_total", "Answers sent after a delay")            \
  X(kUdpPacketsIn, "udp_packets_in_total", "Datagrams received")                         \
  X(kUdpPacketsOut, "udp_packets_out_total", "Datagrams handed to the kernel")           \
  X(kUdpBytesIn, "udp_bytes_in_total", "Datagram payload bytes received")                \
  X(kUdpBytesOut, "udp_bytes_out_total", "Datagram payload bytes handed to the kernel")  \
  X(kUdpKernelDrops, "udp_kernel_drops_total",                                           \
    "Datagrams the kernel dropped, a GRO run counting once (SO_RXQ_OVFL)")               \
  X(kUdpSendErrors, "udp_send_errors_total", "Datagrams whose send failed")              \
  X(kUdpRecvErrors, "udp_recv_errors_total", "Datagram receive errors")                  \
  X(kUdpQueueFull, "udp_queue_full_total", "Datagrams dropped: send queue full")         \
  X(kUdpIgnored, "udp_ignored_total",                                                    \
    "Datagrams received on relay egress sockets (not routed back)")                      \
  X(kBackendUnreachable, "backend_unreachable_total",                                    \
    "udp-relay: ICMP errors naming a backend (port or host unreachable)")                \
  X(kUdpNoBackend, "udp_no_backend_total",                                               \
    "udp-relay: datagrams dropped because every backend was held down")                  \
  X(kUdpSyscalls, "udp_syscalls_total", "System calls of the datagram path")

enum Counter : uint8_t {
#define PERCORE_COUNTER_ENUM(name, metric, help) name,
  PERCORE_COUNTERS(PERCORE_COUNTER_ENUM)
#undef PERCORE_COUNTER_ENUM
      kCounterCount
};

// The responses_Nxx counter for an HTTP status code.
inline Counter status_class_counter(int status) {
  switch (status / 100) {
    case 1:
      return kResp1xx;
    case 2:
      return kResp2xx;
    case 3:
      return kResp3xx;
    case 4:
      return kResp4xx;
    default:
      return kResp5xx;
  }
}

struct CounterInfo {
  const char* metric;
  const char* help;
};

inline constexpr CounterInfo kCounterInfo[kCounterCount] = {
#define PERCORE_COUNTER_INFO(name, metric, help) {metric, help},
    PERCORE_COUNTERS(PERCORE_COUNTER_INFO)
#undef PERCORE_COUNTER_INFO
};

}  // namespace percore::stats
