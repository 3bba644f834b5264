// Answer-then-close (Backend::close_when_sent) to a client that reads nothing yet: the kernel
// goes on reading the answer's buffers after the server is done with the connection, so the
// connection's slot, send queue included, must serve no one else until the send is over.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/support/backend_test.h"
#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace percore::test {
namespace {

constexpr size_t kBigBody = 8u << 20;

class ServerAnswerThenClose : public BackendTest {};

TEST_P(ServerAnswerThenClose, SlowReaderGetsItsWholeAnswerWhileOthersComeAndGo) {
  // One worker: every later connection takes the slot the slow reader's connection left.
  server_ = start_server(GetParam(), {"--programmable", "-k", "-w", "1"});
  ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  const std::string big = "/?size=" + std::to_string(kBigBody) + "&headers=8";

  int slow = connect_loopback(server_.port, 4096);  // so the answer waits in the server's kernel
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(send_all(slow, "GET " + big + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  usleep(200 * 1000);  // answered, and handed to the backend to close once sent

  // Answers of other shapes through the same slot, one per connection, so that the two batches
  // of its send queue take turns and each is written over in place.
  for (int i = 0; i < 20; ++i) {
    int fd = connect_loopback(server_.port);
    ASSERT_GE(fd, 0);
    size_t size = 100000 + static_cast<size_t>(i);  // referenced, not copied: one iovec of its own
    ASSERT_TRUE(send_all(fd, "GET /?status=201&size=" + std::to_string(size) +
                                 " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    auto r = read_responses(fd, 1, 5000);
    ASSERT_EQ(r.size(), 1u) << "connection " << i;
    EXPECT_EQ(r[0].status, 201);
    EXPECT_EQ(r[0].body.size(), size);
    close(fd);
  }

  int ref = connect_loopback(server_.port);
  ASSERT_GE(ref, 0);
  ASSERT_TRUE(send_all(ref, "GET " + big + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  auto expected = read_responses(ref, 1, 20000);
  close(ref);
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_EQ(expected[0].body.size(), kBigBody);

  auto got = read_responses(slow, 1, 20000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 200);
  EXPECT_EQ(got[0].body.size(), kBigBody);
  EXPECT_TRUE(got[0].body == expected[0].body) << "the slow reader's body differs";
  EXPECT_TRUE(wait_closed(slow, 5000));
  close(slow);
}

PERCORE_ON_EVERY_BACKEND(ServerAnswerThenClose);

}  // namespace
}  // namespace percore::test
