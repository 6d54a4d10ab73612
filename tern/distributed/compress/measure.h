// Throughput and ratio of a codec over a set of tensors: what
// `tern bench codec` prints.
//
// Ratio: tensors named step<K>_<param>.f32 (gradient dumps) are encoded in
// step order with one CodecState per parameter, so error feedback carries
// over as in training; any other tensor is encoded once from a fresh state.
// Time: from each tensor's state after that, encode is timed `reps` times
// (the error buffer keeps evolving, as it would) and decode `reps` times,
// and the medians are summed over tensors.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tern/distributed/compress/codec.h"
#include "tern/distributed/compress/f32_files.h"

namespace tern::distributed::compress {

struct Measurement {
  int64_t tensors = 0;
  int64_t elements = 0;
  int64_t encoded_bytes = 0;  // sum of the last streams
  double ratio = 0;           // 4 * elements / encoded_bytes
  double encode_seconds = 0;  // sum over tensors of the median time
  double decode_seconds = 0;
  // The same medians in process CPU time: with one thread, the time of one
  // core even when other processes share the machine.
  double encode_cpu_seconds = 0;
  double decode_cpu_seconds = 0;
  static double gbps(int64_t elements, double s) { return s > 0 ? 4e-9 * elements / s : 0; }
  double encode_gbps() const { return gbps(elements, encode_seconds); }
  double decode_gbps() const { return gbps(elements, decode_seconds); }
  double encode_cpu_gbps() const { return gbps(elements, encode_cpu_seconds); }
  double decode_cpu_gbps() const { return gbps(elements, decode_cpu_seconds); }
};

// The parameter and step of a dump file name "step<K>_<param>.f32";
// other names give (name, -1).
std::pair<std::string, int64_t> dump_param_and_step(const std::string& name);

Measurement measure_codec(const Codec& codec, const std::vector<NamedTensor>& tensors, int reps);

}  // namespace tern::distributed::compress
