#include "tern/mlci/predictions.h"

#include <sys/wait.h>

#include <charconv>
#include <cstdio>
#include <memory>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/data/idx.h"

namespace tern::mlci {

std::vector<int64_t> parse_classes(std::string_view text, const std::string& name) {
  std::vector<int64_t> out;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    int64_t v = 0;
    const auto res = std::from_chars(line.data(), line.data() + line.size(), v);
    TERN_CHECK(res.ec == std::errc() && res.ptr == line.data() + line.size() && v >= 0, name, ":", line_no,
               ": expected one non-negative integer class per line, got '", line.substr(0, 40), "'");
    out.push_back(v);
  }
  TERN_CHECK(!out.empty(), name, ": expected one integer class per line, got no classes");
  return out;
}

std::vector<int64_t> read_classes(const std::string& path) {
  const std::string bytes = read_file(path);
  // IDX starts with two zero bytes; gzip with 1f 8b. Anything else is text.
  const bool idx = bytes.size() >= 2 && ((bytes[0] == '\0' && bytes[1] == '\0') ||
                                         (static_cast<unsigned char>(bytes[0]) == 0x1f &&
                                          static_cast<unsigned char>(bytes[1]) == 0x8b));
  if (idx) {
    const auto arr = data::read_idx(path);
    TERN_CHECK(arr.shape.size() == 1, path, ": expected a 1-D IDX label file, got ", arr.shape.size(), " dimensions");
    return std::vector<int64_t>(arr.data.begin(), arr.data.end());
  }
  return parse_classes(bytes, path);
}

std::vector<int64_t> run_script(const std::string& command, double timeout_s) {
  // coreutils' timeout stops the script (and what it started) after
  // timeout_s; it exits 124 then.
  std::string quoted = "'";
  for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const std::string wrapped = str_cat("timeout --kill-after=10 ", timeout_s, " sh -c ", quoted);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(wrapped.c_str(), "r"), pclose);
  TERN_CHECK_T(IOError, pipe != nullptr, "could not start script '", command, "'");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  const int status = pclose(pipe.release());
  TERN_CHECK_T(IOError, status != -1, "script '", command, "': could not wait for it");
  TERN_CHECK_T(IOError, !WIFSIGNALED(status), "script '", command, "' was killed by signal ", WTERMSIG(status),
               "; expected it to print one predicted class per line");
  TERN_CHECK_T(IOError, WEXITSTATUS(status) != 124, "script '", command, "' ran longer than its timeout of ",
               timeout_s, " s (the config's 'timeout:') and was stopped");
  TERN_CHECK_T(IOError, WEXITSTATUS(status) == 0, "script '", command, "' failed with exit code ",
               WEXITSTATUS(status), "; expected it to print one predicted class per line");
  return parse_classes(out, "output of script '" + command + "'");
}

std::string fingerprint(const std::vector<int64_t>& classes) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t c : classes) {
    for (int b = 0; b < 8; ++b) {
      h ^= static_cast<uint64_t>(c >> (8 * b)) & 0xff;
      h *= 1099511628211ull;
    }
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016llx-%lld", static_cast<unsigned long long>(h),
                static_cast<long long>(classes.size()));
  return buf;
}

std::string format_classes(const std::vector<int64_t>& classes) {
  std::string s;
  s.reserve(classes.size() * 3);
  for (int64_t c : classes) {
    s += std::to_string(c);
    s += '\n';
  }
  return s;
}

}  // namespace tern::mlci
