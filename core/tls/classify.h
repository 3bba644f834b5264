// Maps what OpenSSL reports about a failed connection to a Failure cause.
#pragma once

#include "core/tls/failure.h"

namespace percore::tls {

// reason: ERR_GET_REASON of the first queued error (0 when none). sent_alert: the fatal alert
// OpenSSL wrote (its description byte), or -1. first_byte: the first byte the peer ever sent,
// or -1 when it sent nothing.
Failure classify_failure(int reason, int sent_alert, int first_byte);

}  // namespace percore::tls
