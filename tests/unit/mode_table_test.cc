// The mode table (server/mode_table.h) is what flag parsing, the worker and the master read:
// every mode has a row that builds its class, names are unique per I/O, and the lookups the
// rest of the server uses find the right rows.
#include "server/mode_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "server/options.h"

namespace percore::server {
namespace {

TEST(ModeTable, EveryModeHasARowWithAFactoryAndOneNameOnEveryIo) {
  std::set<ServerMode> modes;
  std::set<std::pair<std::string, IoKinds>> name_and_io;
  for (const ModeRow& row : mode_rows()) {
    modes.insert(row.mode);
    EXPECT_NE(row.make, nullptr) << row.name;
    EXPECT_NE(row.io, 0u) << row.name;
    EXPECT_NE(row.systems & kLinux, 0u) << row.name;
    for (IoKinds bit = 1; bit != 0 && bit <= kSockmapIo; bit <<= 1) {
      if ((row.io & bit) == 0) continue;
      EXPECT_TRUE(name_and_io.insert({row.name, bit}).second) << row.name;
    }
    // A name is one mode: rows that share it differ only in their I/O.
    const ModeRow* first = find_mode_row(std::string_view(row.name));
    ASSERT_NE(first, nullptr) << row.name;
    EXPECT_EQ(first->mode, row.mode) << row.name;
    EXPECT_EQ(first->transport, row.transport) << row.name;
    EXPECT_EQ(first->forwards, row.forwards) << row.name;
  }
  for (ServerMode m : {ServerMode::kHttp, ServerMode::kProxy, ServerMode::kEcho,
                       ServerMode::kUdpEcho, ServerMode::kUdpRelay}) {
    EXPECT_EQ(modes.count(m), 1u) << mode_name(m);
  }
}

TEST(ModeTable, LookupsFindTheRowsTheServerRuns) {
  EXPECT_STREQ(mode_name(ServerMode::kUdpRelay), "udp-relay");
  EXPECT_EQ(find_mode_row("gopher"), nullptr);
  EXPECT_EQ(default_mode(false), ServerMode::kHttp);
  EXPECT_EQ(default_mode(true), ServerMode::kProxy);

  const ModeRow* echo = find_mode_row(ServerMode::kEcho, kUringIo);
  const ModeRow* sockmap = find_mode_row(ServerMode::kEcho, kSockmapIo);
  ASSERT_NE(echo, nullptr);
  ASSERT_NE(sockmap, nullptr);
  EXPECT_NE(echo, sockmap);
  EXPECT_NE(sockmap->unavailable, nullptr);  // the master asks whether BPF is there
  EXPECT_EQ(echo->traffic, io::Traffic::kStreams);
  EXPECT_EQ(find_mode_row(ServerMode::kHttp, kSockmapIo), nullptr);
  EXPECT_NE(find_mode_row(ServerMode::kHttp, io_kinds_of(io::BackendKind::kAuto)), nullptr);

  ServerOptions o;
  o.mode = ServerMode::kEcho;
  EXPECT_EQ(&mode_row(o), echo);
  EXPECT_STREQ(io_name(o, io::BackendKind::kUring), "uring");
  o.sockmap = true;
  EXPECT_EQ(&mode_row(o), sockmap);
  EXPECT_STREQ(io_name(o, io::BackendKind::kEpoll), "sockmap");

  EXPECT_EQ(find_mode_row(ServerMode::kUdpEcho, kEpollIo)->transport, Transport::kDatagram);
  EXPECT_TRUE(find_mode_row(ServerMode::kUdpRelay, kEpollIo)->forwards);
  EXPECT_FALSE(find_mode_row(ServerMode::kHttp, kEpollIo)->forwards);
}

TEST(ModeTable, NamesAreListedOnceInTableOrder) {
  EXPECT_EQ(mode_names([](const ModeRow&) { return true; }, "or"),
            "http, proxy, echo, udp-echo or udp-relay");
  EXPECT_EQ(mode_names([](const ModeRow& r) { return r.transport == Transport::kDatagram; }, "and"),
            "udp-echo and udp-relay");
  EXPECT_EQ(mode_names([](const ModeRow& r) { return (r.io & kSockmapIo) != 0; }, "or"), "echo");
  EXPECT_EQ(mode_names([](const ModeRow&) { return false; }, "or"), "");
}

}  // namespace
}  // namespace percore::server
