// The I/O contract every event-loop backend fulfils, written in the shape of completions so that
// io_uring is a real backend and epoll is the one that emulates: protocol code asks for an
// operation and later receives a Completion. Backends never call protocol code.
#pragma once

#include <cstdint>

#include "core/net/sys.h"
#include "core/util/token_layout.h"

namespace percore::io {

// Tokens: the name protocol code gives a socket, carried back by every completion. Their layout
// is core/util/token_layout.h (a leaf: util::Slab makes them too); these are the I/O contract's
// names for its constants.
using util::kGenerationBits;
using util::kGenerationShift;
using util::kListenerTokenBit;
using util::kSubKindTokenBit;
using util::kTokenBits;
using util::kTokenMask;

enum class Op : uint8_t {
  kAccept,   // result: new socket fd (non-blocking, close-on-exec) or -errno
  kRecv,     // result: bytes in `data` (> 0), 0 on orderly EOF, or -errno
  kSend,     // result: total bytes sent (the whole request) or -errno
  kConnect,  // result: 0 once connected, or -errno
  kClosed,   // close_when_sent() is done: the socket is closed and its send reads the iovecs no
             // more. result: as kSend's
  // Datagram sockets (see open_datagram):
  kRecvFrom,  // result: payload bytes (0 is a valid empty datagram) with `data` and `peer`,
              // or -errno (the socket keeps receiving)
  kSendTo,    // result: datagrams handed to the kernel (> 0), or -errno for the `count`
              // datagrams tagged `tag`
};

// A datagram peer, IPv4 or IPv6. A small struct of its own rather than sockaddr_storage or
// mmsghdr, so that a backend on another system fills it the same way.
struct PeerAddress {
  union {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } addr;
  socklen_t len;
};

// Who is woken when a connection arrives on a listener that other processes watch too (a
// listener shared across fork). kEvery: every watcher (epoll's default; losers of the accept
// race see EAGAIN). kOne: one watcher per connection (EPOLLEXCLUSIVE, as nginx registers its
// listeners). The io_uring backend always behaves as kOne: the kernel arms its internal poll
// for accept exclusively, whatever the caller asks.
enum class AcceptWake : uint8_t { kEvery, kOne };

struct Completion {
  uint64_t token;
  Op op;
  int32_t result;
  // kRecv and kRecvFrom: the received bytes. Owned by the backend and valid until the next
  // wait() call; protocol code that needs them longer copies them.
  const char* data;
  // kRecvFrom: the sender, valid as long as `data`.
  const PeerAddress* peer = nullptr;
  // kSendTo with an error: the tag of the datagrams that failed and how many they were (a GSO
  // run, whose datagrams all share one tag and one destination).
  uint32_t tag = 0;
  uint16_t count = 0;
  // kRecvFrom: when the kernel coalesced several datagrams of one sender (UDP GRO), `data` holds
  // them back to back, each `segment` bytes but the last (which may be shorter); 0 otherwise.
  uint16_t segment = 0;
};

// Calls fn(bytes, len) for every datagram a kRecvFrom completion carries.
template <typename Fn>
void for_each_datagram(const Completion& c, Fn&& fn) {
  if (c.result < 0) return;
  uint32_t total = static_cast<uint32_t>(c.result);
  if (c.segment == 0 || total <= c.segment) {
    fn(c.data, total);
    return;
  }
  for (uint32_t off = 0; off < total; off += c.segment) {
    uint32_t left = total - off;
    fn(c.data + off, left < c.segment ? left : c.segment);
  }
}

// One datagram for send_datagrams(). The bytes are copied before the call returns.
struct OutDatagram {
  const void* data;
  uint32_t len;
  const PeerAddress* to;  // nullptr: the socket's connected peer
  uint32_t tag;           // handed back in this datagram's error completion (a destination index)
};

// What a backend's datagram sockets have seen since it was built.
struct DatagramStats {
  // SO_RXQ_OVFL: dropped by the kernel (receive buffer full). The kernel counts packets as they
  // arrived: a GSO run delivered whole to a GRO socket (loopback) counts once.
  uint64_t kernel_drops = 0;
  uint64_t syscalls = 0;        // datagram send/receive/wait system calls the backend made
  uint64_t gso_batches = 0;     // sends that carried several datagrams (UDP_SEGMENT)
  uint64_t gro_receives = 0;    // receives that carried several datagrams (UDP_GRO)
  uint64_t datagrams_sent = 0;  // handed to the kernel without error
};

// Sockets are `int` on every system. On Windows (the IOCP backend) they are SOCKET handles,
// which carry 32 significant bits (net::to_socket / net::from_socket in core/net/sys.h), results
// are the same -errno values (Winsock errors are mapped), and iovec is core/net/sys.h's own.
//
// Ownership and ordering rules:
// - Sockets handed to a backend are non-blocking. The backend owns them from a successful
//   open()/connect()/start_accept() until close(), which also closes the fd.
// - Before that, the fd is the caller's: a kAccept result belongs to the protocol code that
//   received it, and a socket whose open() or connect() returned an error was not taken (both
//   are all or nothing). The backend does not know such an fd (its close() returns -EBADF), so
//   the caller closes it with ::close(); open_or_close() below does that for accepted sockets.
// - After close(fd) returns, no later wait() delivers a completion carrying that socket's
//   token, even if an operation was in flight (backends filter stale completions by token).
//   Completions already handed out by the current wait() may still name it: protocol code
//   checks the token's generation before acting on one.
// - Receive is continuous: once started, kRecv completions keep arriving (in stream order) until
//   EOF, an error, pause_recv() or close(). After EOF or an error no more kRecv arrive.
// - pause_recv() takes effect at once: no kRecv for the socket from the next wait() on. Bytes the
//   backend had already taken from the kernel (io_uring) are held back and delivered first after
//   resume_recv(), so the stream order holds. io_uring moves such bytes out of its receive
//   buffers into the socket's own memory, so a paused socket never holds the ring from others.
// - Likewise no kAccept arrives after stop_accept(); a connection the backend had already
//   accepted is held and delivered after start_accept() (or closed with the listener).
// - At most one send per socket is in flight. The iovec array and the bytes it points to must
//   stay valid until the kSend completion; the backend may rewrite the iovec array in place.
//   A kSend completion means every byte was handed to the kernel (or the send failed).
// - Accept is continuous per listener until stop_accept() or close(). A negative kAccept
//   (EMFILE, ENFILE, ENOMEM ...) is informational: the listener stays armed unless the protocol
//   code calls stop_accept(), which it should do on EMFILE/ENFILE to avoid spinning.
// - Every call returns 0 or -errno; none throws. wait() returns how many completions it wrote,
//   0 on timeout, or -errno (-EINTR when a signal arrived: not an error; it may also come
//   without a signal of the program's, e.g. io_uring task work interrupting epoll_wait).
// - send() on a socket whose connect has not completed fails (-ENOTCONN or -EBADF).
// - Datagram sockets (open_datagram) receive continuously: one kRecvFrom per datagram (or per
//   GRO-coalesced run, see Completion::segment) until close(). Errors never stop the receive.
//   send_datagrams() copies the datagrams and queues them; they reach the kernel at the next
//   wait() at the latest, in batches (sendmmsg, or one io_uring submit per wait), with runs of
//   equal-sized datagrams to one destination sent as one UDP GSO send where the kernel has it.
//   Success comes back as kSendTo completions counting datagrams (one or more per batch); every
//   send that fails (EHOSTUNREACH, ENETUNREACH, EAGAIN, ENOBUFS ...) as a kSendTo carrying its
//   errno, tag and datagram count. Only datagrams with equal tags share a GSO send, so a tag
//   that names the destination gives per-destination error counts. A datagram that fails is
//   dropped, never retried: UDP semantics.
class Backend {
 public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  virtual const char* name() const = 0;

  // Starts (or resumes) accepting on a listening socket. `wake` matters only for a listener
  // shared with other processes, and only the first call for a listener sets it.
  virtual int start_accept(int listen_fd, uint64_t token, AcceptWake wake) = 0;
  // Pauses accepting; connections wait in the kernel's queue until start_accept() again.
  virtual int stop_accept(int listen_fd) = 0;

  // Registers a connected socket and starts receiving on it. On error the socket stays the
  // caller's (see the ownership rules).
  virtual int open(int fd, uint64_t token) = 0;
  // Starts a non-blocking connect of an unconnected socket; kConnect completes it, and on
  // success receiving starts as with open(). When connect() itself returns an error the backend
  // did not take the socket: the caller still owns and closes it.
  virtual int connect(int fd, uint64_t token, const sockaddr* addr, socklen_t len) = 0;

  // Back-pressure: stop delivering kRecv for this socket until resume_recv().
  virtual int pause_recv(int fd) = 0;
  virtual int resume_recv(int fd) = 0;

  // Sends every byte of the iovecs (see the ordering rules above).
  virtual int send(int fd, iovec* iov, int iovcnt) = 0;

  // Cancels whatever is in flight for the socket and closes it.
  virtual int close(int fd) = 0;

  // Closes the socket as soon as its send in flight is done (at once when none is), receiving
  // nothing more meanwhile: answer-then-close without waiting a loop turn for kSend, so the
  // server, not the client, closes first (as nginx does) and the TIME_WAIT state stays on the
  // server side. A send that fails is simply followed by the close.
  // Returns kClosesLater when a send was in flight: the kernel may still read its iovecs (a
  // client that reads nothing leaves the answer waiting for room), so the caller keeps them
  // unchanged until the one kClosed completion that follows. Returns 0 when the socket closed at
  // once and -errno for a socket the backend does not know; no completion follows either.
  // Nothing but that kClosed is delivered for the socket after this call.
  static constexpr int kClosesLater = 1;
  virtual int close_when_sent(int fd) = 0;

  // For the end of the loop, before the caller frees what its sends referenced: hands every
  // prepared operation to the kernel and waits, up to timeout_us, until the sends that
  // close_when_sent() left in flight are done (the kernel may read them after the call that
  // queued them returned). Completions that arrive meanwhile are dropped.
  virtual void settle(int64_t timeout_us) = 0;

  // Zero-copy forwarding (echo): keeps the receive buffer of a kRecv completion handed out by the
  // latest wait() out of recycling, so its bytes stay valid and unchanged past later wait()s until
  // lend_end(c.data). Protocol code can then send straight out of the buffer it received into.
  // Returns false when the backend does not lend (epoll reads into one arena reused every wait();
  // io_uring with lending off or with too few buffers left to receive into): the caller copies.
  // A lent buffer is given back with lend_end() only, never by close().
  virtual bool lend(const Completion& c) {
    (void)c;
    return false;
  }
  virtual void lend_end(const char* data) { (void)data; }

  // Registers a bound (maybe connected) datagram socket and starts receiving on it; sets the
  // options the backend needs (SO_RXQ_OVFL, UDP_GRO where the kernel has it).
  virtual int open_datagram(int fd, uint64_t token) = 0;
  // Queues datagrams for sending; returns how many were taken (fewer than `count` when the
  // backend's send buffers are full: the caller counts the rest as dropped), or -errno.
  virtual int send_datagrams(int fd, const OutDatagram* batch, int count) = 0;
  virtual DatagramStats datagram_stats() const = 0;

  // Waits up to timeout_us microseconds (-1: forever, 0: poll) for completions and writes at
  // most `max`. Microseconds, not milliseconds, so that an open-loop load generator can sleep
  // until a request is due instead of polling through the last millisecond.
  // Receive buffers handed out by the previous wait() are recycled on entry.
  virtual int wait(Completion* out, int max, int64_t timeout_us) = 0;
};

// Hands an accepted socket to the backend, or closes it when open() fails (the backend did not
// take it, so its close() could not). Returns open()'s result; on error the fd is gone.
inline int open_or_close(Backend& backend, int fd, uint64_t token) {
  int rc = backend.open(fd, token);
  if (rc < 0) net::close_socket(fd);
  return rc;
}

}  // namespace percore::io
