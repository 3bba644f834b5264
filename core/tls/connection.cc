#include "core/tls/connection.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "core/tls/classify.h"
#include "core/tls/client_context.h"
#include "core/tls/openssl_error.h"
#include "core/tls/server_context.h"

namespace percore::tls {
namespace {

// An output buffer that grew past this (a large body written in one go) is given back after
// its send, so that an idle connection does not keep a megabyte.
constexpr size_t kKeepOutputCapacity = 64 * 1024;

// Small plaintext pieces are gathered here into one record. One per thread, not per
// connection: write() fills and empties it within one call, and a worker is one thread.
thread_local char gather[Connection::kRecordBytes];

bool is_ip_literal(const std::string& name) {
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), addr) == 1 ||
         inet_pton(AF_INET6, name.c_str(), addr) == 1;
}

}  // namespace

// The engine's BIO: OpenSSL reads ciphertext from Connection::in_ and writes it into the
// filling output buffer, with no memory BIO (and its copy) between them.
struct ConnectionBio {
  static Connection* of(BIO* bio) { return static_cast<Connection*>(BIO_get_data(bio)); }

  static int write(BIO* bio, const char* buf, int len) {
    BIO_clear_retry_flags(bio);
    of(bio)->bio_write(buf, len);
    return len;
  }
  static int read(BIO* bio, char* buf, int len) {
    BIO_clear_retry_flags(bio);
    int n = of(bio)->bio_read(buf, len);
    if (n == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    return n;
  }
  static long ctrl(BIO* bio, int cmd, long, void*) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_PENDING: {
        Connection* c = of(bio);
        return static_cast<long>(c->in_.size() - c->in_off_);
      }
      default:
        return 0;
    }
  }
  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  // Made once per process and never freed (OpenSSL keeps a pointer in every BIO made from it).
  static BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "percore");
      if (made == nullptr) return made;
      BIO_meth_set_write(made, &ConnectionBio::write);
      BIO_meth_set_read(made, &ConnectionBio::read);
      BIO_meth_set_ctrl(made, &ConnectionBio::ctrl);
      BIO_meth_set_create(made, &ConnectionBio::create);
      return made;
    }();
    return m;
  }
};

int Connection::bio_read(char* buf, int len) {
  size_t left = in_.size() - in_off_;
  size_t n = std::min(left, static_cast<size_t>(len));
  if (n == 0) return 0;
  std::memcpy(buf, in_.data() + in_off_, n);
  in_off_ += n;
  if (in_off_ == in_.size()) {
    in_.clear();
    in_off_ = 0;
  }
  return static_cast<int>(n);
}

bool Connection::start(SSL_CTX* ctx) {
  reset();
  ERR_clear_error();
  BIO_METHOD* method = ConnectionBio::method();
  ssl_.reset(method == nullptr ? nullptr : SSL_new(ctx));
  BIO* bio = ssl_ == nullptr ? nullptr : BIO_new(method);
  if (bio == nullptr) {
    ssl_.reset();
    fail(Failure::kOther);
    return false;
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL from here
  SSL_set_app_data(ssl_.get(), this);
  SSL_set_info_callback(ssl_.get(), &Connection::on_info);
  state_ = State::kHandshake;
  return true;
}

bool Connection::accept(const ServerContext& ctx) {
  if (!start(ctx.native())) return false;
  SSL_set_accept_state(ssl_.get());
  return true;
}

bool Connection::connect(ClientContext& ctx, std::string_view address_name) {
  if (!start(ctx.native())) return false;
  SSL* ssl = ssl_.get();
  SSL_set_connect_state(ssl);
  std::string name = ctx.server_name().empty() ? std::string(address_name) : ctx.server_name();
  bool ip = is_ip_literal(name);
  bool ok = true;
  if (!name.empty() && !ip) ok = SSL_set_tlsext_host_name(ssl, name.c_str()) == 1;
  if (ok && ctx.verifies() && !name.empty()) {
    ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1
            : SSL_set1_host(ssl, name.c_str()) == 1;
  }
  SessionPtr session = ctx.sessions().pick();
  if (ok && session != nullptr) ok = SSL_set_session(ssl, session.get()) == 1;
  if (!ok) {
    failure_detail_ = drain_openssl_errors();
    fail(Failure::kOther);
    return false;
  }
  return drive_handshake() != Step::kFailed;
}

void Connection::on_info(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_WRITE_ALERT) == 0) return;
  auto* self = static_cast<Connection*>(SSL_get_app_data(ssl));
  int level = ret >> 8;
  int description = ret & 0xff;
  // OpenSSL answers a refused renegotiation with a warning and carries on; percore ends the
  // connection instead (a peer that asks is either broken or probing).
  if (description == SSL_AD_NO_RENEGOTIATION) self->renegotiation_ = true;
  if (level == SSL3_AL_FATAL && self->sent_alert_ < 0) self->sent_alert_ = description;
}

void Connection::track_records(const unsigned char* p, size_t n) {
  while (n > 0) {
    if (record_left_ > 0) {
      size_t k = std::min(n, record_left_);
      record_left_ -= k;
      p += k;
      n -= k;
      continue;
    }
    header_[header_have_++] = *p++;
    --n;
    if (header_have_ == sizeof(header_)) {
      record_left_ = (size_t{header_[3]} << 8) | header_[4];
      header_have_ = 0;
    }
  }
}

Step Connection::feed(const char* data, size_t len) {
  if (state_ == State::kClosed) return Step::kClosed;
  if (state_ != State::kHandshake && state_ != State::kOpen) return Step::kFailed;
  if (len == 0) return state_ == State::kOpen ? Step::kReadable : Step::kNeedInput;
  if (first_byte_ < 0) first_byte_ = static_cast<unsigned char>(data[0]);
  in_.insert(in_.end(), data, data + len);
  if (state_ == State::kOpen) return Step::kReadable;
  track_records(reinterpret_cast<const unsigned char*>(data), len);
  return drive_handshake();
}

Step Connection::feed_eof() {
  switch (state_) {
    case State::kHandshake:
      // A record cut short is a truncated message; a close between records is a peer that
      // gave up (or a port scanner).
      fail(header_have_ > 0 || record_left_ > 0 ? Failure::kBadRecord : Failure::kPeerClosed);
      return Step::kFailed;
    case State::kOpen:
      // No close_notify: HTTP frames its own messages, so a missing one is not an attack here.
      state_ = State::kClosed;
      return Step::kClosed;
    case State::kClosed:
      return Step::kClosed;
    default:
      return Step::kFailed;
  }
}

Step Connection::drive_handshake() {
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    state_ = State::kOpen;
    return Step::kHandshakeDone;
  }
  int err = SSL_get_error(ssl_.get(), rc);
  if (err == SSL_ERROR_WANT_READ) return Step::kNeedInput;
  return fail_from_openssl(err);
}

Step Connection::fail_from_openssl(int ssl_error) {
  int reason = ssl_error == SSL_ERROR_SSL ? ERR_GET_REASON(ERR_peek_error()) : 0;
  failure_detail_ = drain_openssl_errors();
  fail(renegotiation_ ? Failure::kRenegotiation
                      : classify_failure(reason, sent_alert_, first_byte_));
  return Step::kFailed;
}

void Connection::fail(Failure cause) {
  state_ = State::kFailed;
  failure_ = cause;
}

void Connection::abandon(Failure cause) {
  if (state_ == State::kHandshake || state_ == State::kOpen) fail(cause);
}

long Connection::read(char* buf, size_t cap) {
  if (state_ == State::kHandshake || state_ == State::kIdle) return 0;
  if (state_ != State::kOpen) return -1;
  size_t got = 0;
  int rc = SSL_read_ex(ssl_.get(), buf, cap, &got);
  if (renegotiation_) {
    fail(Failure::kRenegotiation);
    return -1;
  }
  if (rc == 1) return static_cast<long>(got);
  int err = SSL_get_error(ssl_.get(), 0);
  if (err == SSL_ERROR_WANT_READ) return 0;
  if (err == SSL_ERROR_ZERO_RETURN) {
    // The peer's close_notify: answer with ours, as TLS asks.
    SSL_shutdown(ssl_.get());
    state_ = State::kClosed;
    return -1;
  }
  fail_from_openssl(err);
  return -1;
}

bool Connection::encrypt(const char* p, size_t n) {
  size_t written = 0;
  if (SSL_write_ex(ssl_.get(), p, n, &written) == 1 && written == n) return true;
  fail_from_openssl(SSL_get_error(ssl_.get(), 0));
  return false;
}

bool Connection::write(const iovec* iov, int iovcnt) {
  if (state_ != State::kOpen) return false;
  size_t gathered = 0;
  for (int i = 0; i < iovcnt; ++i) {
    const char* p = static_cast<const char*>(iov[i].iov_base);
    size_t len = iov[i].iov_len;
    while (len > 0) {
      if (gathered == 0 && len >= kRecordBytes) {
        // Whole records straight from the caller's memory: OpenSSL cuts them at kRecordBytes.
        size_t direct = len - len % kRecordBytes;
        if (!encrypt(p, direct)) return false;
        p += direct;
        len -= direct;
        continue;
      }
      size_t take = std::min(kRecordBytes - gathered, len);
      std::memcpy(gather + gathered, p, take);
      gathered += take;
      p += take;
      len -= take;
      if (gathered == kRecordBytes) {
        if (!encrypt(gather, gathered)) return false;
        gathered = 0;
      }
    }
  }
  return gathered == 0 || encrypt(gather, gathered);
}

void Connection::shutdown() {
  if (state_ == State::kOpen) SSL_shutdown(ssl_.get());
  if (state_ == State::kOpen || state_ == State::kHandshake) state_ = State::kClosed;
  ERR_clear_error();
}

std::string_view Connection::take_output() {
  if (in_flight_ || out_[fill_].empty()) return {};
  std::vector<char>& flight = out_[fill_];
  fill_ ^= 1;
  in_flight_ = true;
  return {flight.data(), flight.size()};
}

void Connection::output_sent() {
  if (!in_flight_) return;
  std::vector<char>& flight = out_[fill_ ^ 1];
  flight.clear();
  if (flight.capacity() > kKeepOutputCapacity) flight.shrink_to_fit();
  in_flight_ = false;
}

HandshakeInfo Connection::info() const {
  HandshakeInfo out;
  if (ssl_ == nullptr) return out;
  out.resumed = SSL_session_reused(ssl_.get()) == 1;
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &alpn, &alpn_len);
  if (alpn != nullptr) out.alpn = {reinterpret_cast<const char*>(alpn), alpn_len};
  out.version = SSL_get_version(ssl_.get());
  const char* cipher = SSL_get_cipher_name(ssl_.get());
  out.cipher = cipher != nullptr ? cipher : "";
  return out;
}

void Connection::reset() {
  if (ssl_ != nullptr && (state_ == State::kOpen || state_ == State::kClosed)) {
    // OpenSSL forgets the session of a connection freed without close_notify both ways; like
    // nginx, percore keeps it: a client that simply closes (or a load generator ending a
    // connection) should still resume. A failed handshake's session is dropped as usual.
    SSL_set_shutdown(ssl_.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  ssl_.reset();
  state_ = State::kIdle;
  failure_ = Failure::kNone;
  failure_detail_.clear();
  in_.clear();
  in_off_ = 0;
  out_[0].clear();
  out_[1].clear();
  fill_ = 0;
  in_flight_ = false;
  first_byte_ = -1;
  sent_alert_ = -1;
  renegotiation_ = false;
  header_have_ = 0;
  record_left_ = 0;
}

}  // namespace percore::tls
