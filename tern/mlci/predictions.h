// Reading labels and predictions: one integer class per line (what
// `tern eval --predictions-out` writes), or an IDX label file such as
// Fashion-MNIST's t10k-labels-idx1-ubyte.gz. Errors name file and line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::mlci {

// Parses "3\n7\n..." ; `name` appears in error messages.
std::vector<int64_t> parse_classes(std::string_view text, const std::string& name);
// A file of classes: IDX (plain or gzip'ed, told by its first bytes) or text.
std::vector<int64_t> read_classes(const std::string& path);
// Runs a shell command and parses its standard output as classes; throws if
// it exits non-zero.
// Runs `command` with sh, stopping it after timeout_s seconds.
std::vector<int64_t> run_script(const std::string& command, double timeout_s = 3600);
// FNV-1a over the classes: identifies a test set in the state file.
std::string fingerprint(const std::vector<int64_t>& classes);
std::string format_classes(const std::vector<int64_t>& classes);

}  // namespace tern::mlci
