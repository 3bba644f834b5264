// Running one share of a load from several hosts: `--segment I/N` gives this client the I-th of
// N shares of the connections (-c), the rate (-R) and the request count (-n), divided exactly
// so that the N shares add up to the whole (remainders go to the first segments, one each).
// `--start-at TIME` holds the start until a wall-clock instant so that every host begins
// together.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace percore::client {

struct Segment {
  int index = 0;  // 0-based
  int count = 1;
};

// "2/3" -> {1, 3}. False with a one-line reason otherwise (I in 1..N, N in 1..100000).
bool parse_segment(std::string_view text, Segment* out, std::string* error);

// The segment's share of an integer total: total/N, plus one for the first total%N segments.
uint64_t segment_share(uint64_t total, Segment segment);
// Where the segment's share starts: the sum of the shares of the segments before it, so the
// shares [offset, offset + share) of the N segments tile [0, total) (udp: its sockets' stream
// numbers stay unique across hosts).
uint64_t segment_offset(uint64_t total, Segment segment);
// The share of a rate: integer rates are split as integers (so 1000/s over 3 is 334+333+333);
// fractional ones evenly.
double segment_rate(double rate, Segment segment);

// Wall-clock milliseconds since the epoch from "1763782200.25" (epoch seconds),
// "2026-11-22T03:30:00Z" / "2026-11-22T03:30:00.250Z" (UTC) or "+5s" (that long from `now_ms`).
// False with a one-line reason otherwise.
bool parse_start_at(std::string_view text, int64_t now_ms, int64_t* out_ms, std::string* error);

}  // namespace percore::client
