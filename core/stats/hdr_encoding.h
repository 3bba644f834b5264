// HdrHistogram's V2 histogram encoding, compressed and base64'd: the form an HdrHistogram
// interval log line carries ("HISTF..."), readable by HdrHistogram's own tools in any language.
// It holds the slot counts exactly but not the exact min, max and sum, which callers that need
// them carry beside it (see histogram_json.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/stats/histogram.h"

namespace percore::stats {

// Big-endian 40-byte header, then the counts as ZigZag LEB128 (at most 9 bytes) longs where a
// negative -n stands for n empty slots; the compressed form wraps that in zlib.
inline constexpr uint32_t kHdrV2Cookie = 0x1c849303 | 0x10;
inline constexpr uint32_t kHdrV2CompressedCookie = 0x1c849304 | 0x10;

std::vector<uint8_t> hdr_encode(const Histogram& h);
std::vector<uint8_t> hdr_encode_compressed(const Histogram& h);
std::string hdr_encode_base64(const Histogram& h);

// A histogram of the shape the encoding names (its lowest discernible value must be 1), with
// min, max and sum taken from the slots. Null with a reason when the input is not a V2 encoding.
std::unique_ptr<Histogram> hdr_decode(const std::vector<uint8_t>& bytes, std::string* error);
std::unique_ptr<Histogram> hdr_decode_compressed(const std::vector<uint8_t>& bytes,
                                                 std::string* error);
std::unique_ptr<Histogram> hdr_decode_base64(std::string_view text, std::string* error);

}  // namespace percore::stats
