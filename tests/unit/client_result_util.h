// Results made by hand for the report, JSON and merge tests, and the JSON round trip they check.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "client/result/run_identity.h"
#include "client/result/run_result.h"

namespace percore::client {

// What a connection run of 2 threads and 10 connections for 2 s at `rate` (0: closed loop) to
// `url` was asked to do; the tests fill in what happened.
inline RunResult asked_run(const std::string& url, double rate) {
  RunResult r;
  r.url = url;
  r.backend = "epoll";
  r.threads = 2;
  r.connections = 10;
  r.target_rate = rate;
  r.duration_s = 2.0;
  return r;
}

// `r` written as JSON by `render` and read back by `read`, as `client merge` reads a host's file.
template <class Result>
Result through_json(const Result& r, std::string (*render)(const Result&),
                    bool (*read)(const std::string&, Result*, std::string*)) {
  Result back;
  std::string error;
  EXPECT_TRUE(read(render(r), &back, &error)) << error;
  return back;
}

// The host and segment a result read back still names.
inline void expect_identity(const RunIdentity& back, const std::string& host, int segment_index,
                            int segment_count) {
  EXPECT_EQ(back.host, host);
  EXPECT_EQ(back.segment_index, segment_index);
  EXPECT_EQ(back.segment_count, segment_count);
}

}  // namespace percore::client
