#include "tern/distributed/ps/ps_strategy.h"

#include <algorithm>

#include "tern/base/error.h"
#include "tern/distributed/ps/hooks.h"
#include "tern/distributed/ps/ps_trainer.h"

namespace tern::distributed::ps {

namespace {

// --codec-arg a=1 --codec-arg b=2 arrive as "a=1,b=2".
compress::CodecArgs codec_args(const Args& a, const std::string& key) {
  compress::CodecArgs out;
  const std::string text = a.get_string(key, "");
  if (!text.empty())
    for (const std::string& kv : split(text, ',')) out.add(kv);
  return out;
}

PsOptions read_options(const Args& a, const train::TrainOptions& opt) {
  PsOptions ps;
  ps.servers = static_cast<int>(a.get_int("servers", ps.servers, {.min = 1, .max = 1 << 20}));
  ps.async = a.get_bool("async", ps.async);
  ps.staleness = static_cast<int>(a.get_int("staleness", ps.staleness, {.min = 0, .max = 1 << 20}));
  TERN_CHECK(ps.async || !a.has("staleness"), "--staleness needs --async");
  ps.codec = a.get_string("codec", ps.codec);
  ps.codec_args = codec_args(a, "codec-arg");
  ps.pull_codec = a.get_string("pull-codec", "");
  ps.pull_codec_args = codec_args(a, "pull-codec-arg");
  TERN_CHECK(ps.pull_codec_args.empty() || !ps.pull_codec.empty(), "--pull-codec-arg needs --pull-codec NAME");
  ps.momentum_correction = a.get_bool("momentum-correction", false);
  ps.aggregator = a.get_string("aggregation", ps.aggregator);
  const std::string agg_args = a.get_string("aggregation-arg", "");
  if (!agg_args.empty())
    for (const std::string& kv : split(agg_args, ',')) ps.aggregator_args.add(kv);
  ps.byzantine_f = static_cast<int>(a.get_int("byzantine-f", -1, {.min = 0, .max = 1 << 20}));
  ps.attack.byzantine = static_cast<int>(a.get_int("byzantine", 0, {.min = 0, .max = 1 << 20}));
  ps.attack.attack = a.get_string("attack", "");
  const std::string attack_args = a.get_string("attack-arg", "");
  if (!attack_args.empty())
    for (const std::string& kv : split(attack_args, ',')) ps.attack.args.add(kv);
  TERN_CHECK(attack_args.empty() || !ps.attack.attack.empty(), "--attack-arg needs --attack NAME");
  ps.transport = a.get_string("transport", ps.transport);
  ps.udp_loss = a.get_double("udp-loss", ps.udp_loss);
  ps.udp_deadline_ms = a.get_double("udp-deadline-ms", ps.udp_deadline_ms);
  ps.send_schedule = a.get_string("send-schedule", ps.send_schedule);
  ps.send_window = static_cast<int>(a.get_int("send-window", ps.send_window, {.min = 1, .max = 1 << 20}));
  TERN_CHECK(ps.send_schedule == "p3" || !a.has("send-window"), "--send-window needs --send-schedule p3");
  if (a.has("slice-elems")) ps.slice_elems = a.get_int("slice-elems", 0, {.min = 1, .max = int64_t{1} << 40});
  (void)aggregator_registry().at(ps.aggregator);
  if (!ps.attack.attack.empty()) (void)Attack(ps.attack.attack, ps.attack.args, 100, std::max(1, ps.attack.byzantine));
  // Unknown codecs or codec arguments: a clear error now, not on every rank.
  (void)compress::make_codec(ps.codec, ps.codec_args);
  if (!ps.pull_codec.empty()) (void)compress::make_codec(ps.pull_codec, ps.pull_codec_args);
  check_ps_options(opt, ps);
  return ps;
}

class PsStrategy final : public strategy::Strategy {
 public:
  explicit PsStrategy(PsOptions ps) : ps_(std::move(ps)) {}

  int workers(int ranks) const override {
    TERN_CHECK(ranks > ps_.servers, "--servers ", ps_.servers, " leaves no workers among ", ranks, " ranks");
    check_ps_workers(ps_, ranks - ps_.servers);
    return ranks - ps_.servers;
  }

  strategy::Outcome run(const train::TrainOptions& opt, comm::Communicator& world, const strategy::Inform&) override {
    const PsRunResult r = train_parameter_server(opt, ps_, world);
    strategy::Outcome out;
    out.role = r.is_server ? "server" : "worker";
    out.train = r.train;
    if (ps_.send_schedule == "p3" && !r.is_server) {
      out.details["layer_wait_s"] = r.layer_wait_s;
      out.details["bytes_pushed_per_server"] = r.bytes_pushed;
      out.details["bytes_pulled_per_server"] = r.bytes_pulled;
    }
    return out;
  }

  void describe(nlohmann::json& j) const override {
    j["codec"] = ps_.codec;
    j["pull_codec"] = ps_.pull_codec.empty() ? ps_.codec : ps_.pull_codec;
    j["momentum_correction"] = ps_.momentum_correction;
    j["aggregation"] = ps_.aggregator;
    j["byzantine_f"] = byzantine_f(ps_);
    j["byzantine"] = ps_.attack.byzantine;
    if (!ps_.attack.attack.empty()) j["attack"] = ps_.attack.attack;
    j["transport"] = ps_.transport;
    j["slice_elems"] = ps_.send_schedule == "p3" && ps_.slice_elems == 0 ? kP3DefaultSliceElems : ps_.slice_elems;
    j["send_schedule"] = ps_.send_schedule;
    if (ps_.send_schedule == "p3") j["send_window"] = ps_.send_window;
    if (ps_.transport == "udp") j["udp_loss"] = ps_.udp_loss;
  }

 private:
  PsOptions ps_;
};

}  // namespace

strategy::Registry::Entry ps_strategy() {
  return {"ps",
          "parameter server: the last --servers ranks hold the model, the others train and push gradients",
          {{"servers", "server ranks (the last ones); the others are workers", "1", false, false, "INT"},
           {"async", "apply each push as it arrives instead of synchronous rounds", "", true},
           {"staleness", "with --async: steps the fastest worker may run ahead of the slowest", "0", false, false, "INT"},
           {"codec", "codec for pushes and pulls (see tern codec list)", "none", false, false, "NAME"},
           {"codec-arg", "codec argument k=v (repeatable), e.g. s=1.9", "", false, true, "K=V"},
           {"pull-codec", "codec for the servers' model deltas (default: --codec)", "", false, false, "NAME"},
           {"pull-codec-arg", "pull codec argument k=v (repeatable)", "", false, true, "K=V"},
           {"momentum-correction",
            "DGC momentum correction: workers keep the SGD momentum and push their velocity through a sparsifying "
            "codec (topk, randomk, 3lc); servers step without momentum",
            "", true},
           {"aggregation",
            "servers' aggregation rule: mean, median, trimmed-mean, krum, multi-krum, bulyan, cclip, nnm-<rule> "
            "(tern bench gar --help lists them)",
            "mean", false, false, "NAME"},
           {"aggregation-arg", "aggregation rule argument k=v (repeatable), e.g. m=5, theta=aggregathor, tau=0.5", "",
            false, true, "K=V"},
           {"byzantine-f", "Byzantine workers the rule tolerates (default: --byzantine)", "", false, false, "INT"},
           {"byzantine", "attacker ranks: the last K workers push forged gradients (needs --attack)", "0", false,
            false, "INT"},
           {"attack", "what attackers push: nan, random, signflip, scale, alie, ipm, labelflip", "", false, false,
            "NAME"},
           {"attack-arg", "attack argument k=v (repeatable): sigma (random), scale, z (alie), eps (ipm)", "", false,
            true, "K=V"},
           {"transport", "how pushes travel: mpi, or udp (loopback datagrams, lost coordinates filled before the rule)",
            "mpi", false, false, "NAME"},
           {"udp-loss", "with --transport udp: share of datagrams dropped at the server (emulated, seeded)", "0", false,
            false, "P"},
           {"slice-elems",
            "cut every parameter into slices of at most N elements (whole rows of a matrix), spread over the servers "
            "(P3's slicing); default: whole tensors, largest first to the least-loaded server",
            "", false, false, "N"},
           {"send-schedule",
            "fifo: rounds (every push in backward order, one update, every pull); p3: P3's priority propagation "
            "(slices pushed as backward produces them, input layer first, per-slice updates and replies, each layer's "
            "forward waits only for its own slices; slices of 40000 elements unless --slice-elems)",
            "fifo", false, false, "NAME"},
           {"send-window", "with --send-schedule p3: slices in flight per link and direction", "2", false, false, "N"},
           {"udp-deadline-ms", "with --transport udp: the most a server waits for a round's datagrams", "2000", false,
            false, "MS"}},
          [](const Args& a, const train::TrainOptions& opt) -> std::unique_ptr<strategy::Strategy> {
            return std::make_unique<PsStrategy>(read_options(a, opt));
          }};
}

}  // namespace tern::distributed::ps
