// What write() puts on the wire: a large body in full 16 KiB records, small pieces gathered
// into one record rather than one record each.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/tls_pair.h"

namespace percore::tls::test {
namespace {

// Record lengths (without the 5-byte header) of a run of TLS records.
std::vector<size_t> record_lengths(std::string_view bytes) {
  std::vector<size_t> out;
  size_t at = 0;
  while (at + 5 <= bytes.size()) {
    size_t len = (size_t{static_cast<unsigned char>(bytes[at + 3])} << 8) |
                 static_cast<unsigned char>(bytes[at + 4]);
    out.push_back(len);
    at += 5 + len;
  }
  EXPECT_EQ(at, bytes.size()) << "whole records only";
  return out;
}

class TlsRecords : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    client_ctx_ = client_context(client_with_version(GetParam()));
    ASSERT_TRUE(connect_pair(*server_ctx_, *client_ctx_, server_, client_));
  }

  std::unique_ptr<ServerContext> server_ctx_ = server_context();
  std::unique_ptr<ClientContext> client_ctx_;
  Connection server_, client_;
};

TEST_P(TlsRecords, MebibyteBodyLeavesInFullRecords) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
  std::string body(1 << 20, 'b');
  for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + i / 4096 % 26);
  iovec iov[2] = {{head.data(), head.size()}, {body.data(), body.size()}};
  ASSERT_TRUE(server_.write(iov, 2));
  std::string_view out = server_.take_output();
  std::vector<size_t> lengths = record_lengths(out);
  size_t total = head.size() + body.size();
  ASSERT_EQ(lengths.size(), (total + Connection::kRecordBytes - 1) / Connection::kRecordBytes);
  // Every record but the last carries 16 KiB of plaintext plus the same cipher overhead.
  for (size_t i = 0; i + 1 < lengths.size(); ++i) {
    EXPECT_EQ(lengths[i], lengths[0]) << i;
  }
  EXPECT_GT(lengths[0], Connection::kRecordBytes);
  EXPECT_LT(lengths[0], Connection::kRecordBytes + 64);
  client_.feed(out.data(), out.size());
  server_.output_sent();
  EXPECT_EQ(read_all(client_), head + body);
}

TEST_P(TlsRecords, SmallPiecesShareOneRecord) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  std::string body = "hello";
  iovec iov[2] = {{head.data(), head.size()}, {body.data(), body.size()}};
  ASSERT_TRUE(server_.write(iov, 2));
  std::string_view out = server_.take_output();
  EXPECT_EQ(record_lengths(out).size(), 1u);
  client_.feed(out.data(), out.size());
  server_.output_sent();
  EXPECT_EQ(read_all(client_), head + body);
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsRecords, ::testing::Values("1.2", "1.3"));

}  // namespace
}  // namespace percore::tls::test
