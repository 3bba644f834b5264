// One HTTP/1 message head collected from http-parser's data callbacks into a reusable buffer,
// and the head a proxy forwards in its place: hop-by-hop headers removed (RFC 9110 7.6.1),
// X-Forwarded-For appended, the body framing kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace percore::http {

struct ForwardTarget;

class MessageHead {
 public:
  // Forgets the previous message, keeping capacity.
  void reset();

  // http-parser data callbacks; fragments of one element arrive in order and are joined.
  void add_url(const char* data, size_t len) { append(Part::kUrl, data, len); }
  void add_reason(const char* data, size_t len) { append(Part::kUrl, data, len); }
  void add_field(const char* data, size_t len) { append(Part::kName, data, len); }
  void add_value(const char* data, size_t len) { append(Part::kValue, data, len); }

  // The request target, or a response's reason phrase.
  std::string_view target() const { return {buf_.data(), target_len_}; }
  size_t field_count() const { return fields_.size(); }
  std::string_view name(size_t i) const { return view(fields_[i].name_off, fields_[i].name_len); }
  std::string_view value(size_t i) const {
    return view(fields_[i].value_off, fields_[i].value_len);
  }
  // Bytes collected so far (target, names and values).
  size_t size() const { return buf_.size(); }

 private:
  enum class Part : uint8_t { kNone, kUrl, kName, kValue };
  struct Field {
    uint32_t name_off, name_len, value_off, value_len;
  };
  void append(Part part, const char* data, size_t len);
  std::string_view view(uint32_t off, uint32_t len) const { return {buf_.data() + off, len}; }

  std::string buf_;
  std::vector<Field> fields_;
  size_t target_len_ = 0;
  Part last_ = Part::kNone;
};

bool equals_nocase(std::string_view a, std::string_view b);
std::string_view trim_ows(std::string_view s);

// Appends the head to send a backend: "METHOD target HTTP/1.x", end-to-end headers, one
// X-Forwarded-For with client_ip appended. HTTP/1.0 requests stay 1.0 (so the backend never
// answers a 1.0 client with chunked) and ask for keep-alive explicitly.
void build_request_head(const MessageHead& head, std::string_view method, int http_minor,
                        std::string_view client_ip, std::string* out);
// The same with the target to send (request_target.h): an absolute-form target goes as
// origin-form, and its authority as the Host header in place of the received one.
void build_request_head(const MessageHead& head, const ForwardTarget& target,
                        std::string_view method, int http_minor, std::string_view client_ip,
                        std::string* out);

// Appends the head to send the client: the backend's status, end-to-end headers (framing
// headers kept: bodies are forwarded with their own framing, except on 1xx and 204, which
// cannot have one), and our own Connection header.
void build_response_head(const MessageHead& head, int status, int client_minor, bool keep_alive,
                         std::string* out);

}  // namespace percore::http
