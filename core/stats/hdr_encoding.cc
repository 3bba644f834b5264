// Written from HdrHistogram's published description of its V2 encoding (header fields, the
// "LEB128-64b9B" ZigZag words, zero runs as negative words, zlib around it all).
#include "core/stats/hdr_encoding.h"

#include <zlib.h>

#include <bit>
#include <cstring>

#include "core/util/base64.h"

namespace percore::stats {
namespace {

constexpr size_t kHeaderBytes = 40;
// Anything longer than this is not a histogram of ours (a 5-digit histogram up to INT64_MAX
// encodes in far less).
constexpr size_t kMaxDecodedBytes = size_t{64} << 20;

void put_be(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get_be(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return v;
}

// ZigZag, then 7 bits per byte with a continuation bit for the first eight bytes; a ninth byte
// (if reached) carries the top 8 bits whole.
void put_zigzag(std::vector<uint8_t>* out, int64_t value) {
  uint64_t v = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out->push_back(static_cast<uint8_t>(v));
      return;
    }
    out->push_back(static_cast<uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<uint8_t>(v));
}

bool get_zigzag(const uint8_t** p, const uint8_t* end, int64_t* value) {
  uint64_t v = 0;
  int shift = 0;
  for (int i = 0; i < 9; ++i) {
    if (*p == end) return false;
    uint8_t b = *(*p)++;
    if (i == 8) {
      v |= uint64_t{b} << 56;
      break;
    }
    v |= uint64_t{b & 0x7fu} << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  *value = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  return true;
}

size_t used_slots(const Histogram& h) {
  for (size_t i = h.bucket_slots(); i > 0; --i) {
    if (h.count_at_index(i - 1) != 0) return i;
  }
  return 0;
}

}  // namespace

std::vector<uint8_t> hdr_encode(const Histogram& h) {
  std::vector<uint8_t> out;
  put_be(&out, kHdrV2Cookie, 4);
  put_be(&out, 0, 4);  // payload length, filled in below
  put_be(&out, 0, 4);  // normalizing index offset: never shifted here
  put_be(&out, static_cast<uint32_t>(h.significant_digits()), 4);
  put_be(&out, 1, 8);  // lowest discernible value
  put_be(&out, static_cast<uint64_t>(h.highest()), 8);
  put_be(&out, std::bit_cast<uint64_t>(1.0), 8);  // integer-to-double conversion ratio
  size_t limit = used_slots(h);
  for (size_t i = 0; i < limit;) {
    uint64_t count = h.count_at_index(i);
    if (count != 0) {
      put_zigzag(&out, static_cast<int64_t>(count));
      ++i;
      continue;
    }
    size_t run = 1;
    while (i + run < limit && h.count_at_index(i + run) == 0) ++run;
    put_zigzag(&out, run > 1 ? -static_cast<int64_t>(run) : 0);
    i += run;
  }
  uint64_t payload = out.size() - kHeaderBytes;
  for (int k = 0; k < 4; ++k) out[4 + k] = static_cast<uint8_t>(payload >> (8 * (3 - k)));
  return out;
}

std::vector<uint8_t> hdr_encode_compressed(const Histogram& h) {
  std::vector<uint8_t> plain = hdr_encode(h);
  uLongf size = compressBound(plain.size());
  std::vector<uint8_t> out;
  put_be(&out, kHdrV2CompressedCookie, 4);
  put_be(&out, 0, 4);
  out.resize(8 + size);
  // A fresh buffer of compressBound() bytes cannot be too small, so this cannot fail.
  compress2(out.data() + 8, &size, plain.data(), plain.size(), Z_BEST_COMPRESSION);
  out.resize(8 + size);
  for (int k = 0; k < 4; ++k) out[4 + k] = static_cast<uint8_t>(size >> (8 * (3 - k)));
  return out;
}

std::string hdr_encode_base64(const Histogram& h) {
  return util::base64_encode(hdr_encode_compressed(h));
}

std::unique_ptr<Histogram> hdr_decode(const std::vector<uint8_t>& bytes, std::string* error) {
  if (bytes.size() < kHeaderBytes) {
    *error = "histogram encoding shorter than its header";
    return nullptr;
  }
  const uint8_t* p = bytes.data();
  if (get_be(p, 4) != kHdrV2Cookie) {
    *error = "not an HdrHistogram V2 encoding (cookie mismatch)";
    return nullptr;
  }
  uint64_t payload = get_be(p + 4, 4);
  uint64_t digits = get_be(p + 12, 4);
  uint64_t lowest = get_be(p + 16, 8);
  auto highest = static_cast<int64_t>(get_be(p + 24, 8));
  if (get_be(p + 8, 4) != 0) {
    *error = "shifted (normalized) histograms are not supported";
    return nullptr;
  }
  if (digits < 1 || digits > 5 || lowest != 1 || highest < 2) {
    *error = "histogram shape not supported (needs 1-5 digits, lowest value 1)";
    return nullptr;
  }
  if (payload > bytes.size() - kHeaderBytes) {
    *error = "histogram payload is truncated";
    return nullptr;
  }
  auto h = std::make_unique<Histogram>(highest, static_cast<int>(digits));
  const uint8_t* cursor = p + kHeaderBytes;
  const uint8_t* end = cursor + payload;
  size_t index = 0;
  while (cursor < end) {
    int64_t word = 0;
    if (!get_zigzag(&cursor, end, &word)) {
      *error = "histogram payload ends inside a count";
      return nullptr;
    }
    if (word < 0) {
      uint64_t run = static_cast<uint64_t>(-(word + 1)) + 1;
      if (run > h->bucket_slots() - index) {
        *error = "histogram counts run past its last slot";
        return nullptr;
      }
      index += run;
      continue;
    }
    if (!h->record_at_index(index, static_cast<uint64_t>(word))) {
      *error = "histogram counts run past its last slot";
      return nullptr;
    }
    ++index;
  }
  return h;
}

std::unique_ptr<Histogram> hdr_decode_compressed(const std::vector<uint8_t>& bytes,
                                                 std::string* error) {
  if (bytes.size() < 8 || get_be(bytes.data(), 4) != kHdrV2CompressedCookie) {
    *error = "not a compressed HdrHistogram V2 encoding (cookie mismatch)";
    return nullptr;
  }
  uint64_t length = get_be(bytes.data() + 4, 4);
  if (length > bytes.size() - 8) {
    *error = "compressed histogram is truncated";
    return nullptr;
  }
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    *error = "zlib inflateInit failed";
    return nullptr;
  }
  z.next_in = const_cast<Bytef*>(bytes.data() + 8);
  z.avail_in = static_cast<uInt>(length);
  std::vector<uint8_t> plain(4096);
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.total_out == plain.size()) {
      if (plain.size() >= kMaxDecodedBytes) break;
      plain.resize(plain.size() * 2);
    }
    z.next_out = plain.data() + z.total_out;
    z.avail_out = static_cast<uInt>(plain.size() - z.total_out);
    rc = inflate(&z, Z_NO_FLUSH);
  }
  plain.resize(z.total_out);
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    *error = "compressed histogram does not inflate";
    return nullptr;
  }
  return hdr_decode(plain, error);
}

std::unique_ptr<Histogram> hdr_decode_base64(std::string_view text, std::string* error) {
  std::optional<std::vector<uint8_t>> bytes = util::base64_decode(text);
  if (!bytes) {
    *error = "histogram is not valid base64";
    return nullptr;
  }
  return hdr_decode_compressed(*bytes, error);
}

}  // namespace percore::stats
