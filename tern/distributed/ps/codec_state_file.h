// The codec state one side of a parameter-server job keeps (error-feedback
// buffers, codec memory such as PowerSGD's Q, step counters, and momentum
// correction's velocities), saved beside its checkpoint so that a resumed
// run continues the same streams instead of restarting them at zero.
//
// File: safetensors, written atomically; tensors "state.<t>.error",
// "state.<t>.aux", "velocity.<t>" (only the non-empty ones), metadata
// "tern.epoch" and "state.<t>.step".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tern/distributed/compress/codec.h"

namespace tern::distributed::ps {

// Where worker `rank` of a job checkpointing to `checkpoint` keeps its push
// codec state (both send schedules, so either resumes the other's).
inline std::string worker_codec_state_path(const std::string& checkpoint, int rank) {
  return checkpoint + ".worker" + std::to_string(rank) + ".codec";
}

void save_codec_states(const std::string& path, int64_t epochs_done, const std::vector<compress::CodecState>& states,
                       const std::vector<std::vector<float>>& velocities);

// Fills `states` (and `velocities`) from `path` if it holds the state after
// `epochs_done` epochs for as many tensors, and returns true. Otherwise (a
// missing file, another epoch, or another layout) leaves them as they are,
// prints a one-line warning that the codec state restarts at zero, and
// returns false. A corrupt file, or one whose error buffer or velocity for
// tensor t is not numel[t] long, throws tern::IOError.
bool load_codec_states(const std::string& path, int64_t epochs_done, const std::vector<int64_t>& numel,
                       std::vector<compress::CodecState>& states, std::vector<std::vector<float>>& velocities);

}  // namespace tern::distributed::ps
