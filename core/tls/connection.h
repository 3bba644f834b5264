// One TLS connection, in either role, driven by the caller's event loop through the completion
// contract (core/io/backend.h): ciphertext from a kRecv completion goes in with feed(),
// plaintext comes out with read() into the caller's buffer, the caller's plaintext iovecs are
// encrypted by write(), and the ciphertext leaves from a buffer this object keeps until the
// caller reports the send done. Nothing blocks and nothing throws; failures are a state with a
// cause. After the handshake a connection in steady state allocates nothing.
//
// Where the bytes live:
//  - ciphertext in: copied once from the completion into `in_` (the completion's bytes are only
//    valid until the next wait()), read by OpenSSL through the engine's BIO;
//  - plaintext in: decrypted by OpenSSL straight into the caller's buffer (read());
//  - plaintext out: read by OpenSSL from the caller's iovecs; only pieces smaller than a record
//    are gathered first (a response head and a short body make one record, not two);
//  - ciphertext out: written by OpenSSL into `out_[fill]`; take_output() hands it to the caller's
//    send, output_sent() recycles it. Two buffers, to fit the one-send-in-flight rule.
#pragma once

#include "core/net/sys.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tls/failure.h"
#include "core/tls/handles.h"

namespace percore::tls {

class ClientContext;
class ServerContext;

enum class State : uint8_t {
  kIdle,       // no connection (before accept()/connect(), after reset())
  kHandshake,  // handshake in progress
  kOpen,       // application data flows
  kClosed,     // close_notify sent or received, or the peer closed after the handshake
  kFailed,     // failure() says why; output may hold an alert to send before closing
};

// What a feed() or feed_eof() left the caller to do.
enum class Step : uint8_t {
  kNeedInput,      // handshake goes on: send any output, wait for more bytes
  kHandshakeDone,  // the handshake finished in this call: info() is set; read() may have data
  kReadable,       // open: call read() for plaintext
  kClosed,         // send the output (close_notify), then close
  kFailed,         // failure(): send the output (an alert, where TLS allows one), then close
};

struct HandshakeInfo {
  bool resumed = false;
  std::string_view alpn;     // "" when none was negotiated
  const char* version = "";  // "TLSv1.3"
  const char* cipher = "";   // "TLS_AES_128_GCM_SHA256"
};

class Connection {
 public:
  // Plaintext bytes in a full TLS record; write() sends large bodies in records of this size.
  static constexpr size_t kRecordBytes = 16384;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { reset(); }

  // Starts the server side of an accepted connection. False (failed, cause kOther) only when
  // OpenSSL cannot allocate.
  bool accept(const ServerContext& ctx);
  // Starts the client side: the ClientHello is in the output when this returns true.
  // `address_name` is the target's host (name or IP literal), used when the context names no
  // server. The context's session store decides whether a session is offered.
  bool connect(ClientContext& ctx, std::string_view address_name);

  // Ciphertext the peer sent (a kRecv completion's bytes).
  Step feed(const char* data, size_t len);
  // The peer closed its side (kRecv with 0) or the connection broke.
  Step feed_eof();

  // Plaintext into buf: > 0 bytes, 0 when more input is needed (or still handshaking), -1 when
  // the connection ended (state() is kClosed or kFailed; send the output, then close).
  long read(char* buf, size_t cap);

  // Encrypts the whole of the iovecs into the output. False when the connection is not open or
  // fails (state() says which). Large bodies: the caller may write a window at a time (on
  // each kSend completion) to bound the output buffer.
  bool write(const iovec* iov, int iovcnt);

  // Queues close_notify (when open) and ends the connection: state() becomes kClosed.
  void shutdown();
  // The caller gives up on the connection (its handshake timeout, for instance): kFailed with
  // this cause, nothing more is read or written.
  void abandon(Failure cause);

  // Ciphertext to send. take_output() moves it into flight and returns it; it stays valid and
  // unchanged until output_sent() (empty when nothing is pending or a send is in flight).
  bool has_output() const { return !out_[fill_].empty(); }
  bool output_in_flight() const { return in_flight_; }
  std::string_view take_output();
  void output_sent();

  State state() const { return state_; }
  Failure failure() const { return failure_; }
  // OpenSSL's reason for kOther (and the others), for a log line; "" when none.
  const std::string& failure_detail() const { return failure_detail_; }
  HandshakeInfo info() const;
  SSL* native() const { return ssl_.get(); }

  // Back to kIdle for the next connection of a pooled slot; buffers keep their capacity. Call
  // only when no output is in flight.
  void reset();

 private:
  friend struct ConnectionBio;

  bool start(SSL_CTX* ctx);
  Step drive_handshake();
  Step fail_from_openssl(int ssl_error);
  void fail(Failure cause);
  void track_records(const unsigned char* p, size_t n);
  bool encrypt(const char* p, size_t n);
  static void on_info(const SSL* ssl, int where, int ret);

  // BIO side.
  int bio_read(char* buf, int len);
  void bio_write(const char* buf, int len) {
    out_[fill_].insert(out_[fill_].end(), buf, buf + len);
  }

  SslPtr ssl_;
  State state_ = State::kIdle;
  Failure failure_ = Failure::kNone;
  std::string failure_detail_;

  std::vector<char> in_;
  size_t in_off_ = 0;
  std::vector<char> out_[2];
  int fill_ = 0;
  bool in_flight_ = false;

  // Handshake bookkeeping for the failure cause.
  int first_byte_ = -1;
  int sent_alert_ = -1;
  bool renegotiation_ = false;
  unsigned char header_[5] = {};
  uint8_t header_have_ = 0;
  size_t record_left_ = 0;
};

}  // namespace percore::tls
