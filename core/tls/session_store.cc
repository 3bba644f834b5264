#include "core/tls/session_store.h"

namespace percore::tls {

void SessionStore::store(SSL_SESSION* session) {
  // A TLS 1.3 ticket is offered once by well-behaved clients, but a load generator that
  // measures resumption reuses it: OpenSSL's server accepts a ticket many times.
  if (SSL_SESSION_is_resumable(session) != 1) return;
  SSL_SESSION_up_ref(session);
  session_.reset(session);
}

SessionPtr SessionStore::pick() {
  if (session_ == nullptr || fraction_ <= 0) return nullptr;
  credit_ += fraction_;
  if (credit_ < 1.0) return nullptr;
  credit_ -= 1.0;
  SSL_SESSION_up_ref(session_.get());
  return SessionPtr(session_.get());
}

}  // namespace percore::tls
