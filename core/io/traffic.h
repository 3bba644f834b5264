// A leaf beside the factory, so that the io_uring backend can read it without including the
// factory that builds it.
#pragma once

namespace percore::io {

// What a worker's sockets mostly carry. io_uring shapes its receive ring by it: many small
// buffers suit many connections of small requests, fewer large ones suit bulk streams (each
// completion then brings up to 64 KiB; docs/tuning.md has the measurements).
enum class Traffic { kRequests, kStreams };

}  // namespace percore::io
