#include "tern/distributed/compress/measure.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <ctime>

#include "tern/base/error.h"
#include "tern/base/timer.h"

namespace tern::distributed::compress {

namespace {
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

std::pair<std::string, int64_t> dump_param_and_step(const std::string& name) {
  const size_t us = name.find('_');
  if (name.rfind("step", 0) != 0 || us == std::string::npos || us == 4) return {name, -1};
  int64_t step = 0;
  auto [p, ec] = std::from_chars(name.data() + 4, name.data() + us, step);
  if (ec != std::errc() || p != name.data() + us) return {name, -1};
  std::string param = name.substr(us + 1);
  if (param.size() > 4 && param.compare(param.size() - 4, 4, ".f32") == 0) param.resize(param.size() - 4);
  return {param, step};
}

Measurement measure_codec(const Codec& codec, const std::vector<NamedTensor>& tensors, int reps) {
  TERN_CHECK(reps >= 1, "measure_codec: reps must be >= 1, given ", reps);
  // Order: by parameter, then by step, so each state sees its steps in order.
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dump_param_and_step(tensors[a].name) < dump_param_and_step(tensors[b].name);
  });
  std::map<std::string, CodecState> states;
  Measurement m;
  std::vector<uint8_t> stream;
  for (size_t i : order) {
    const auto& t = tensors[i];
    const int64_t n = static_cast<int64_t>(t.values.size());
    CodecState& state = states[dump_param_and_step(t.name).first];
    codec.encode(t.values, state, stream);
    m.tensors += 1;
    m.elements += n;
    m.encoded_bytes += static_cast<int64_t>(stream.size());

    CodecState scratch = state;
    std::vector<float> out(n);
    std::vector<double> enc, dec, enc_cpu, dec_cpu;
    for (int r = 0; r < reps; ++r) {
      const double c0 = cpu_seconds();
      Timer timer;
      codec.encode(t.values, scratch, stream);
      enc.push_back(timer.seconds());
      enc_cpu.push_back(cpu_seconds() - c0);
    }
    for (int r = 0; r < reps; ++r) {
      const double c0 = cpu_seconds();
      Timer timer;
      codec.decode(stream, out);
      dec.push_back(timer.seconds());
      dec_cpu.push_back(cpu_seconds() - c0);
    }
    m.encode_seconds += median(enc);
    m.decode_seconds += median(dec);
    m.encode_cpu_seconds += median(enc_cpu);
    m.decode_cpu_seconds += median(dec_cpu);
  }
  m.ratio = m.encoded_bytes > 0 ? 4.0 * m.elements / m.encoded_bytes : 0;
  return m;
}

}  // namespace tern::distributed::compress
