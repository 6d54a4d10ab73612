#include "tern/base/parse.h"
#include "tern/distributed/ps/codec_state_file.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "tern/io/safetensors.h"

namespace tern::distributed::ps {
namespace {

Tensor tensor_of(const std::vector<float>& v) { return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}); }

std::vector<float> floats_of(const Tensor& t, const std::string& path, const std::string& name) {
  TERN_CHECK_T(IOError, t.dtype() == DType::f32 && t.dim() == 1, path, ": tensor '", name,
               "' should be 1-D float32");
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

void warn_restart(const std::string& path, const std::string& why) {
  std::fprintf(stderr, "tern: warning: %s %s; codec error buffers restart at zero\n", path.c_str(), why.c_str());
}

}  // namespace

void save_codec_states(const std::string& path, int64_t epochs_done, const std::vector<compress::CodecState>& states,
                       const std::vector<std::vector<float>>& velocities) {
  io::NamedTensors tensors;
  io::Metadata meta = {{"tern.epoch", std::to_string(epochs_done)},
                       {"tern.tensors", std::to_string(states.size())}};
  for (size_t t = 0; t < states.size(); ++t) {
    const std::string k = "state." + std::to_string(t);
    if (!states[t].error.empty()) tensors.emplace_back(k + ".error", tensor_of(states[t].error));
    if (!states[t].aux.empty()) tensors.emplace_back(k + ".aux", tensor_of(states[t].aux));
    meta[k + ".step"] = std::to_string(states[t].step);
  }
  for (size_t t = 0; t < velocities.size(); ++t)
    if (!velocities[t].empty()) tensors.emplace_back("velocity." + std::to_string(t), tensor_of(velocities[t]));
  io::save_safetensors(path, tensors, meta);
}

bool load_codec_states(const std::string& path, int64_t epochs_done, const std::vector<int64_t>& numel,
                       std::vector<compress::CodecState>& states, std::vector<std::vector<float>>& velocities) {
  TERN_ASSERT(numel.size() == states.size() && velocities.size() == states.size());
  if (!std::filesystem::exists(path)) {
    warn_restart(path, "does not exist");
    return false;
  }
  const io::SafeTensorsFile f = io::load_safetensors(path);
  auto meta = [&](const std::string& key) {
    const auto it = f.metadata.find(key);
    return it == f.metadata.end() ? std::string() : it->second;
  };
  if (meta("tern.epoch") != std::to_string(epochs_done)) {
    warn_restart(path, "holds epoch " + meta("tern.epoch") + ", not " + std::to_string(epochs_done));
    return false;
  }
  if (meta("tern.tensors") != std::to_string(states.size())) {
    warn_restart(path, "holds " + meta("tern.tensors") + " slices (tensors or parts of them), not " + std::to_string(states.size()));
    return false;
  }
  std::vector<compress::CodecState> loaded(states.size());
  std::vector<std::vector<float>> loaded_velocities(velocities.size());
  for (const auto& [name, t] : f.tensors) {
    int index = -1;
    char field[16] = {};
    if (std::sscanf(name.c_str(), "state.%d.%15s", &index, field) == 2 && index >= 0 &&
        static_cast<size_t>(index) < loaded.size() && (std::string(field) == "error" || std::string(field) == "aux")) {
      (std::string(field) == "error" ? loaded[index].error : loaded[index].aux) = floats_of(t, path, name);
    } else if (std::sscanf(name.c_str(), "velocity.%d", &index) == 1 && index >= 0 &&
               static_cast<size_t>(index) < loaded_velocities.size()) {
      loaded_velocities[index] = floats_of(t, path, name);
    } else {
      throw IOError(str_cat(path, ": unexpected tensor '", name, "' for ", states.size(), " tensors"));
    }
  }
  for (size_t t = 0; t < loaded.size(); ++t) {
    const auto fits = [&](const std::vector<float>& v) { return v.empty() || static_cast<int64_t>(v.size()) == numel[t]; };
    TERN_CHECK_T(IOError, fits(loaded[t].error) && fits(loaded_velocities[t]), path, ": tensor ", t,
                 " has ", numel[t], " elements but its saved error buffer ", loaded[t].error.size(),
                 " and velocity ", loaded_velocities[t].size());
    const std::string step = meta("state." + std::to_string(t) + ".step");
    try {
      loaded[t].step = static_cast<uint64_t>(parse_int(step, str_cat(path, ": step count of tensor ", t), {.min = 0}));
    } catch (const ValueError& e) {
      throw IOError(e.what());  // a damaged file, not a bad argument
    }
  }
  states = std::move(loaded);
  velocities = std::move(loaded_velocities);
  return true;
}

}  // namespace tern::distributed::ps
