// Writes a file atomically: data goes to "<path>.tmp.<pid>", is flushed and
// fsync'ed, then renamed over <path> (and the directory fsync'ed). Calls from
// several threads are serialised. A crash or error never leaves a
// half-written checkpoint or state file behind.
#pragma once

#include <string>
#include <string_view>

namespace tern {

void write_file_atomic(const std::string& path, std::string_view data);
// Reads a whole file; throws tern::IOError naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace tern
