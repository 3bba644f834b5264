#include "core/stats/hdr_log.h"

#include <time.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/stats/hdr_encoding.h"

namespace percore::stats {

bool HdrLogWriter::open(const std::string& path, int64_t start_unix_ms, const std::string& comment,
                        std::string* error) {
  close();
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) {
    *error = fmt::format("cannot create {}: {}", path, std::strerror(errno));
    return false;
  }
  failed_ = false;
  time_t secs = static_cast<time_t>(start_unix_ms / 1000);
  struct tm utc {};
  gmtime_r(&secs, &utc);
  char date[64];
  strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &utc);
  double start = static_cast<double>(start_unix_ms) / 1000.0;
  std::string header;
  if (!comment.empty()) header += fmt::format("#{}\n", comment);
  header += "#[Histogram log format version 1.3]\n";
  header += fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", start, date);
  header += fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", start);
  header +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  if (std::fputs(header.c_str(), file_) < 0) failed_ = true;
  return true;
}

bool HdrLogWriter::write_interval(double start_s, double length_s, const Histogram& h) {
  if (file_ == nullptr) return false;
  std::string line = fmt::format("{:.3f},{:.3f},{:.3f},{}\n", start_s, length_s,
                                 static_cast<double>(h.max()) / 1e6, hdr_encode_base64(h));
  if (std::fputs(line.c_str(), file_) < 0) failed_ = true;
  return !failed_;
}

bool HdrLogWriter::close() {
  if (file_ == nullptr) return !failed_;
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  return !failed_;
}

}  // namespace percore::stats
