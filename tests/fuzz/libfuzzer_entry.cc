// The libFuzzer entry point of one target; PERCORE_FUZZ_TARGET names the function in targets.h.
#include "tests/fuzz/harness/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return percore::fuzz::PERCORE_FUZZ_TARGET(data, size);
}
