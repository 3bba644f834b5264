// The one list of event-loop backends every backend-parameterised suite runs on, with the
// variants some suites add (io_uring with its newer kernels' techniques off, or with a ring of
// few buffers), the probe that says why one cannot run here, and a fixture that starts the server
// under test on each backend. Adding a backend to the tests is one line in kEveryBackend and
// kBackendVariants plus its case in backend_skip_reason().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "core/io/factory.h"
#include "core/io/uring_backend.h"
#include "tests/support/server_process.h"

namespace percore::test {

// Names as the server's --io flag and io::parse_backend_kind() take them.
inline const std::vector<std::string> kEveryBackend = {"epoll", "uring"};

// A test parameter: a backend, or a backend set up as an older kernel or a tight ring would have
// it. The server takes the set-up from its environment (PERCORE_URING_OFF, PERCORE_URING_BUFFERS),
// the in-process suites from make_variant_backend().
struct BackendVariant {
  std::string name;  // the test parameter (part of the test's name)
  std::string io;    // its backend, as --io takes it
  // io_uring with every newer kernel's technique off (lending, receive bundles, linked close,
  // receive limits): the paths an older kernel takes, tested on this one.
  bool uring_fallback = false;
  std::string uring_buffers;  // PERCORE_URING_BUFFERS, "" for the default ring
};

// Every backend (named as in kEveryBackend) and then every variant.
inline const std::vector<BackendVariant> kBackendVariants = {
    {"epoll", "epoll", false, ""},
    {"uring", "uring", false, ""},
    {"uring_fallback", "uring", true, ""},
    // Far fewer buffers than connections: receives run the ring dry and wait for buffers.
    {"uring_16x64k", "uring", false, "16x64k"},
};
inline const char kUringFallback[] = "uring_fallback";
inline const char kUringFewBuffers[] = "uring_16x64k";

// The entry for a parameter; a name missing from the list fails the test that asked.
inline const BackendVariant& backend_variant(const std::string& name) {
  for (const BackendVariant& v : kBackendVariants) {
    if (v.name == name) return v;
  }
  ADD_FAILURE() << "no backend or variant named " << name << " in kBackendVariants";
  static const BackendVariant none{"", "", false, ""};
  return none;
}

// Why the backend cannot run here ("" when it can): tests skip with this message.
inline std::string backend_skip_reason(const std::string& io) {
  if (io != "uring") return "";
  std::string why = io::uring_unavailable_reason();
  return why.empty() ? "" : "io_uring unavailable here: " + why;
}

// The variant's backend built in this process. `uring` is the ring's shape for io_uring entries
// (the variant's techniques are applied to it); others ignore it.
inline std::unique_ptr<io::Backend> make_variant_backend(const BackendVariant& v,
                                                         io::UringOptions uring,
                                                         std::string* error) {
  if (v.io == "uring") {
    if (v.uring_fallback) uring.lend = uring.bundle = uring.link_close = uring.recv_limit = false;
    if (!v.uring_buffers.empty()) {
      *error = "variant " + v.name + ": set the ring's shape in the test";
      return nullptr;
    }
    return io::make_uring_backend(uring, error);
  }
  io::BackendKind kind = io::BackendKind::kAuto;
  if (!io::parse_backend_kind(v.io, &kind) || kind == io::BackendKind::kAuto) {
    *error = "not a backend: " + v.io;
    return nullptr;
  }
  return io::make_backend(kind, error);
}

// Starts the server on the variant's backend with the variant's environment, which is set only
// while it starts (the server inherits it).
inline ServerProcess start_variant_server(const BackendVariant& v,
                                          const std::vector<std::string>& extra) {
  if (v.uring_fallback) setenv("PERCORE_URING_OFF", "lend,bundle,link-close,recv-limit", 1);
  if (!v.uring_buffers.empty()) setenv("PERCORE_URING_BUFFERS", v.uring_buffers.c_str(), 1);
  ServerProcess server = start_server(v.io, extra);
  unsetenv("PERCORE_URING_OFF");
  unsetenv("PERCORE_URING_BUFFERS");
  return server;
}

// The parameter generator for INSTANTIATE_TEST_SUITE_P over every backend.
inline auto every_backend() {
  return ::testing::ValuesIn(kEveryBackend);
}

// Every backend and then the named variants (each must be in kBackendVariants: the fixtures look
// them up with backend_variant()).
inline auto every_backend_and(const std::vector<std::string>& variants) {
  std::vector<std::string> names = kEveryBackend;
  names.insert(names.end(), variants.begin(), variants.end());
  return ::testing::ValuesIn(names);
}

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = backend_skip_reason(backend_variant(GetParam()).io);
    if (!why.empty()) GTEST_SKIP() << why;
  }
  // Starts `server -w 2` plus the given flags on GetParam()'s backend.
  void start(std::vector<std::string> extra) {
    extra.insert(extra.end(), {"-w", "2"});
    server_ = start_variant_server(backend_variant(GetParam()), extra);
    ASSERT_TRUE(server_.ok()) << server_.process->stderr_text();
  }
  ServerProcess server_;
};

#define PERCORE_ON_EVERY_BACKEND(suite)                                       \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::percore::test::every_backend(), \
                           ::percore::test::backend_name)

}  // namespace percore::test
