// The client's memory of one target's TLS session, and the policy that decides which new
// connections resume it (client --tls-resume F): a run can then measure full and resumed
// handshakes separately, or mixed in a chosen ratio.
#pragma once

#include "core/tls/handles.h"

namespace percore::tls {

class SessionStore {
 public:
  // fraction: share of new connections that offer the stored session, 0..1. 0: every
  // connection a full handshake; 1: every connection after the first resumes. The choice is a
  // deterministic accumulator rather than a coin, so that short runs hit the ratio exactly.
  explicit SessionStore(double fraction = 1.0) : fraction_(fraction) {}

  // Keeps the newest session the server gave (TLS 1.3 sends tickets after the handshake).
  void store(SSL_SESSION* session);
  // For a new connection: the session to offer (the caller owns the reference), or nullptr
  // when this connection should make a full handshake (or nothing is stored yet).
  SessionPtr pick();

  bool has_session() const { return session_ != nullptr; }
  double fraction() const { return fraction_; }

 private:
  SessionPtr session_;
  double fraction_;
  double credit_ = 0;
};

}  // namespace percore::tls
