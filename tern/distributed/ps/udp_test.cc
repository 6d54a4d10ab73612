#include "tern/distributed/ps/udp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>

namespace tern::distributed::ps::udp {
namespace {

std::vector<float> ramp(int64_t n, float scale) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(i % 97);
  return v;
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(Udp, DatagramsCoverThePushInOrder) {
  const std::vector<float> v = ramp(5000, 0.5f);
  const std::vector<std::string> d = encode_push(3, 7, v);
  ASSERT_EQ(d.size(), 3u);  // 2048 + 2048 + 904
  std::vector<float> back;
  for (const std::string& x : d) {
    const Parsed p = parse_datagram(bytes(x), 4, 5000, 7);
    ASSERT_EQ(p.verdict, Verdict::ok);
    EXPECT_EQ(p.header.worker, 3u);
    EXPECT_EQ(p.header.offset, back.size());
    back.insert(back.end(), p.values.begin(), p.values.end());
  }
  EXPECT_EQ(back, v);
}

TEST(Udp, ForgedOrTruncatedDatagramsAreRefused) {
  const std::vector<float> v = ramp(5000, 1);
  const std::string good = encode_push(1, 2, v)[1];
  auto verdict = [](const std::string& d, uint64_t round = 2) { return parse_datagram(bytes(d), 4, 5000, round).verdict; };
  EXPECT_EQ(verdict(good), Verdict::ok);
  EXPECT_EQ(verdict(good.substr(0, good.size() - 4)), Verdict::malformed);     // truncated
  EXPECT_EQ(verdict(good.substr(0, 10)), Verdict::malformed);                  // shorter than a header
  EXPECT_EQ(verdict(good + "abcd"), Verdict::malformed);                       // longer than it says
  EXPECT_EQ(verdict(good, 3), Verdict::other_round);                           // a late or early round
  auto with = [&](auto edit) {
    std::string d = good;
    DatagramHeader h;
    std::memcpy(&h, d.data(), sizeof h);
    edit(h);
    std::memcpy(d.data(), &h, sizeof h);
    return d;
  };
  EXPECT_EQ(verdict(with([](DatagramHeader& h) { h.magic ^= 1; })), Verdict::malformed);
  EXPECT_EQ(verdict(with([](DatagramHeader& h) { h.worker = 4; })), Verdict::wrong_worker);
  EXPECT_EQ(verdict(with([](DatagramHeader& h) { h.offset = 4096 * 2; })), Verdict::out_of_range);  // past the end
  EXPECT_EQ(verdict(with([](DatagramHeader& h) { h.offset = 100; })), Verdict::out_of_range);       // not a cut point
  EXPECT_EQ(verdict(with([](DatagramHeader& h) { h.offset = ~uint64_t{0} - 10; })), Verdict::out_of_range);
}

TEST(Udp, ReceiverCountsForgedDatagramsAndNeverTrustsThem) {
  Receiver r(2, 3000, 0, 1, 0.05);
  std::vector<std::vector<float>> grads(2, std::vector<float>(3000, 0));
  std::vector<std::vector<uint8_t>> present(2, std::vector<uint8_t>(3000, 0));
  std::string forged = encode_push(0, 0, ramp(3000, 1))[0];
  forged.resize(forged.size() - 1);
  r.accept(bytes(forged), 0, grads, present);
  r.accept(bytes(encode_push(5, 0, ramp(3000, 1))[0]), 0, grads, present);
  r.accept(bytes(encode_push(1, 9, ramp(3000, 1))[0]), 0, grads, present);
  const std::string ok = encode_push(1, 0, ramp(3000, 1))[0];
  r.accept(bytes(ok), 0, grads, present);
  r.accept(bytes(ok), 0, grads, present);
  EXPECT_EQ(r.stats().malformed, 2);
  EXPECT_EQ(r.stats().other_round, 1);
  EXPECT_EQ(r.stats().received, 1);
  EXPECT_EQ(r.stats().duplicates, 1);
  EXPECT_EQ(std::accumulate(present[0].begin(), present[0].end(), 0), 0);
  EXPECT_EQ(std::accumulate(present[1].begin(), present[1].end(), 0), 2048);
}

// Real sockets on loopback: two senders, 20% emulated loss, reproducible.
TEST(Udp, LoopbackRoundWithEmulatedLoss) {
  const int64_t n = 40000;  // 20 datagrams per worker
  Receiver r(2, n, 0.2, 42, 5.0);
  Sender a(r.port()), b(r.port());
  const std::vector<float> va = ramp(n, 1), vb = ramp(n, -1);
  a.send(0, 0, va);
  b.send(1, 0, vb);
  std::vector<std::vector<float>> grads;
  std::vector<std::vector<uint8_t>> present;
  r.receive_round(0, grads, present);
  EXPECT_EQ(r.stats().received + r.stats().dropped, 40);
  EXPECT_EQ(r.stats().timed_out, 0);
  EXPECT_GT(r.stats().dropped, 2);   // 8 expected
  EXPECT_LT(r.stats().dropped, 18);
  int64_t dropped = 0;
  for (uint32_t w = 0; w < 2; ++w)
    for (int64_t c = 0; c < n; c += kFloatsPerDatagram) {
      const bool lost = emulated_drop(42, 0, w, static_cast<uint64_t>(c), 0.2);
      dropped += lost;
      EXPECT_EQ(present[w][c], lost ? 0 : 1) << w << " " << c;
      if (!lost) {
        EXPECT_EQ(grads[w][c + 5], (w == 0 ? va : vb)[c + 5]);
      }
    }
  EXPECT_EQ(dropped, r.stats().dropped);
  // A sender that never sends: the round ends at the deadline, its values missing.
  Receiver lonely(1, 10, 0, 1, 0.05);
  lonely.receive_round(0, grads, present);
  EXPECT_EQ(lonely.stats().timed_out, 1);
  EXPECT_EQ(lonely.stats().missing_values, 10);
}

TEST(Udp, MissingCoordinatesGetTheMedianOfThoseThatArrived) {
  std::vector<std::vector<float>> g = {{1, 5, 0}, {2, 6, 0}, {100, NAN, 0}, {0, 7, 0}};
  std::vector<std::vector<uint8_t>> present = {{1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {0, 1, 0}};
  EXPECT_EQ(fill_missing(g, present), 5);
  EXPECT_EQ(g[3][0], 2);         // median of 1, 2, 100
  EXPECT_TRUE(std::isnan(g[2][1]));  // a NaN that was sent stays
  EXPECT_EQ(g[0][2], 0);         // nothing arrived: 0
}

}  // namespace
}  // namespace tern::distributed::ps::udp
