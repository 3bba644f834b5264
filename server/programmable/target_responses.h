// Responses of the programmable target. Heads are built once per distinct (status, size,
// framing, extra headers, connection) and kept; only their Date is rewritten in place, once a
// second. Bodies are never built per request: every body is a prefix of one filler buffer, and
// chunked framing adds small copied chunk lines around references into it. So `?size=1024`
// costs what the default body costs.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/io/send_queue.h"
#include "server/programmable/target_spec.h"

namespace percore::server::programmable {

class TargetResponses {
 public:
  // default_body: what size=-1 sends; it must outlive this object.
  explicit TargetResponses(std::string_view default_body);

  // Sets the Date of heads used from now on, when the second changed.
  void refresh(time_t now);

  // Queues the answer for `spec` (status, size, chunked/chunk, headers). `close` and `head`
  // (a HEAD request: no body) are decided by the caller. Returns the bytes queued.
  size_t append(const TargetSpec& spec, bool close, bool head, io::SendQueue* out);
  // Queues "400 Bad Request" with the reason as its body, closing the connection.
  void append_bad_request(const char* reason, io::SendQueue* out);

  size_t cached_heads() const { return heads_.size(); }

 private:
  struct Head {
    std::string bytes;
    size_t date_at = 0;
    time_t date_for = -1;
  };
  struct Key {
    int status;
    int headers;
    int64_t size;
    bool chunked;
    bool close;
    bool head;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };

  void build_head(const Key& key, int64_t body_size, std::string* out, size_t* date_at) const;
  std::string_view filler(int64_t size);
  void append_chunked(std::string_view body, int64_t chunk, io::SendQueue* out);

  std::string_view default_body_;
  std::unordered_map<Key, Head, KeyHash> heads_;
  std::string scratch_;  // heads past the cache bound are built here, then copied
  // Bodies reference the newest filler; older (shorter) ones stay alive for sends in flight.
  std::vector<std::unique_ptr<std::string>> fillers_;
  char date_[40] = {};
  time_t date_for_ = -1;
};

}  // namespace percore::server::programmable
