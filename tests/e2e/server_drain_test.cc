// The drain on SIGTERM, seen from clients that keep sending through it: every answer the server
// still gives must arrive whole, byte for byte, up to the close.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"

namespace percore::test {
namespace {

constexpr std::string_view kStatusLine = "HTTP/1.1 200 OK\r\n";

struct Tally {
  std::atomic<int> intact{0};
  std::atomic<int> damaged{0};
  std::mutex mu;
  std::string first_damaged;

  void damage(const std::string& head) {
    ++damaged;
    std::lock_guard<std::mutex> lock(mu);
    if (first_damaged.empty()) first_damaged = head.substr(0, 48);
  }
};

// Reads one response from `fd` into `head` (and discards its body); false on EOF or error.
bool read_one(int fd, std::string* pending, std::string* head) {
  char buf[4096];
  size_t end;
  while ((end = pending->find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending->append(buf, static_cast<size_t>(n));
  }
  *head = pending->substr(0, end + 4);
  size_t body = 0;
  size_t at = head->find("Content-Length: ");
  if (at != std::string::npos) body = std::strtoul(head->c_str() + at + 16, nullptr, 10);
  while (pending->size() < end + 4 + body) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending->append(buf, static_cast<size_t>(n));
  }
  pending->erase(0, end + 4 + body);
  return true;
}

// Keep-alive requests one after another until the server closes or `until` passes; opens a new
// connection after each close while the listener still takes them.
void keep_asking(int port, std::chrono::steady_clock::time_point until, Tally* tally) {
  while (std::chrono::steady_clock::now() < until) {
    int fd = connect_loopback(port);
    if (fd < 0) return;  // the listener is gone: the drain has begun
    std::string pending, head;
    while (std::chrono::steady_clock::now() < until &&
           send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n") && read_one(fd, &pending, &head)) {
      if (head.compare(0, kStatusLine.size(), kStatusLine) == 0) {
        ++tally->intact;
      } else {
        tally->damage(head);
      }
    }
    close(fd);
  }
}

class ServerDrain : public BackendTest {};

// io_uring sends the last answers as the loop ends (hard-linked to their socket's close); they
// used to leave after the worker had freed the memory they came from.
TEST_P(ServerDrain, AnswersGivenDuringTheDrainArriveWhole) {
  Tally tally;
  for (int round = 0; round < 3; ++round) {
    start({"-k", "--drain-timeout", "3"});
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    std::vector<std::thread> clients;
    for (int i = 0; i < 16; ++i) clients.emplace_back(keep_asking, server_.port, until, &tally);
    usleep(400'000);
    server_.process->signal(SIGTERM);
    int status = server_.process->wait_exit(6000);
    for (auto& t : clients) t.join();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server_.process->stderr_text();
  }
  EXPECT_GT(tally.intact.load(), 100);
  EXPECT_EQ(tally.damaged.load(), 0) << "first damaged head: " << tally.first_damaged;
}

PERCORE_ON_EVERY_BACKEND(ServerDrain);

}  // namespace
}  // namespace percore::test
