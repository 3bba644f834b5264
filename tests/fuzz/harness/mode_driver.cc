#include "tests/fuzz/harness/mode_driver.h"

#include <http_parser.h>

#include <spdlog/spdlog.h>

#include <cerrno>

#include "core/net/address.h"

namespace percore::fuzz {
namespace {

constexpr int kClientFd = kFirstFakeFd;

}  // namespace

ModeDriver::ModeDriver(server::ServerMode mode) : slot_(std::make_unique<stats::WorkerSlot>()) {
  spdlog::set_level(spdlog::level::off);  // millions of runs would log every refused request
  options_.mode = mode;
  options_.keepalive = true;
  if (mode == server::ServerMode::kProxy) {
    net::Address a;
    std::string err;
    // Never connected for real: the fake backend completes the connect itself.
    net::parse_address("127.0.0.1:9", &a, &err);
    options_.upstreams.push_back(a);
  }
  ctx_.backend = &backend_;
  ctx_.slot = slot_.get();
  ctx_.options = &options_;
  mode_ = server::make_mode(ctx_);
  mode_->on_accept(kClientFd, now_ns_);
}

ModeDriver::~ModeDriver() {
  mode_.reset();
}

FakeSocket* ModeDriver::client() {
  auto it = backend_.sockets().find(kClientFd);
  return it == backend_.sockets().end() ? nullptr : &it->second;
}

int ModeDriver::newest_upstream() {
  int found = -1;
  for (auto& [fd, s] : backend_.sockets()) {
    if (s.upstream && !s.connecting) found = fd;
  }
  return found;
}

void ModeDriver::deliver(int fd, io::Op op, int32_t result, const char* data) {
  auto it = backend_.sockets().find(fd);
  if (it == backend_.sockets().end()) return;
  io::Completion c{it->second.token, op, result, data};
  mode_->on_completion(c, now_ns_);
}

void ModeDriver::client_bytes(std::string_view bytes) {
  FakeSocket* s = client();
  if (s == nullptr || s->paused || bytes.empty()) return;
  scratch_.assign(bytes);  // the mode may only read the bytes during the call, like a real one
  deliver(kClientFd, io::Op::kRecv, static_cast<int32_t>(scratch_.size()), scratch_.data());
}

void ModeDriver::upstream_bytes(std::string_view bytes) {
  int fd = newest_upstream();
  if (fd < 0 || backend_.sockets()[fd].paused || bytes.empty()) return;
  scratch_.assign(bytes);
  deliver(fd, io::Op::kRecv, static_cast<int32_t>(scratch_.size()), scratch_.data());
}

void ModeDriver::client_eof() {
  if (client() != nullptr) deliver(kClientFd, io::Op::kRecv, 0, nullptr);
}

void ModeDriver::upstream_eof() {
  int fd = newest_upstream();
  if (fd >= 0) deliver(fd, io::Op::kRecv, 0, nullptr);
}

void ModeDriver::upstream_connect_fails() {
  for (auto& [fd, s] : backend_.sockets()) {
    if (s.connecting) {
      s.connecting = false;
      deliver(fd, io::Op::kConnect, -ECONNREFUSED, nullptr);
      return;  // the map may have changed under the call
    }
  }
}

void ModeDriver::complete_io() {
  // Each completion may open, close or send on other sockets: collect first, then deliver.
  std::vector<std::pair<int, int32_t>> sends;
  std::vector<int> connects;
  for (auto& [fd, s] : backend_.sockets()) {
    if (s.connecting) {
      s.connecting = false;
      connects.push_back(fd);
    }
    if (s.send_in_flight) {
      s.send_in_flight = false;
      sends.emplace_back(fd, s.send_bytes);
    }
  }
  for (int fd : connects) deliver(fd, io::Op::kConnect, 0, nullptr);
  for (auto [fd, n] : sends) deliver(fd, io::Op::kSend, n, nullptr);
}

void ModeDriver::advance_ms(int64_t ms) {
  now_ns_ += ms * 1'000'000;
  if (mode_->next_deadline_ns() <= now_ns_) mode_->on_timer(now_ns_);
}

void ModeDriver::finish() {
  for (int i = 0; i < 64; ++i) {
    bool busy = false;
    for (auto& [fd, s] : backend_.sockets()) busy |= s.send_in_flight || s.connecting;
    if (!busy) break;
    complete_io();
  }
  mode_->close_all();
}

namespace {

int count_message(http_parser* p) {
  ++*static_cast<size_t*>(p->data);
  return 0;
}

size_t complete_requests(std::string_view bytes) {
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  size_t n = 0;
  parser.data = &n;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_complete = count_message;
  http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
  return n;
}

}  // namespace

void ModeDriver::answer_upstreams() {
  std::vector<std::pair<int, size_t>> due;
  for (auto& [fd, s] : backend_.sockets()) {
    if (!s.upstream || s.connecting) continue;
    size_t done = complete_requests(s.sent);
    size_t& answered = answered_[s.token];
    if (done > answered) due.emplace_back(fd, done - answered);
    answered = done;
  }
  for (auto [fd, n] : due) {
    std::string reply;
    for (size_t i = 0; i < n; ++i) reply += "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    scratch_ = reply;
    auto it = backend_.sockets().find(fd);
    if (it == backend_.sockets().end() || it->second.paused) continue;
    deliver(fd, io::Op::kRecv, static_cast<int32_t>(scratch_.size()), scratch_.data());
  }
}

std::vector<std::string> ModeDriver::output(bool upstream) const {
  std::vector<std::string> out;
  for (const auto& c : backend_.closed()) {
    if (c.upstream == upstream) out.push_back(c.sent);
  }
  return out;
}

bool parses_as(std::string_view bytes, bool responses) {
  http_parser parser;
  http_parser_init(&parser, responses ? HTTP_RESPONSE : HTTP_REQUEST);
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  size_t n = http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
  return n == bytes.size() && HTTP_PARSER_ERRNO(&parser) == HPE_OK;
}

}  // namespace percore::fuzz
