// Prometheus metrics of `pith serve`: request counts by model, protocol and outcome, latency and
// batch-size histograms, in-flight requests and model reloads. Updates are lock-free (atomics in
// a per-model block that the model registry hands out once); only exposition takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace pith::serve {

enum class Protocol : std::uint8_t { kGrpc = 0, kHttp = 1 };
inline constexpr std::size_t kProtocolCount = 2;

// How a request ended; the label values of pith_requests_total.
enum class Outcome : std::uint8_t {
  kOk = 0,
  kInvalidArgument,  // the request was wrong: shape, dtype, values, unknown output
  kNotFound,         // unknown model or version
  kRejected,         // over a limit (RESOURCE_EXHAUSTED / 429)
  kUnavailable,      // shutting down
  kInternal,
  kCancelled,  // the client gave up (cancelled the call, closed the stream) before the answer
};
inline constexpr std::size_t kOutcomeCount = 7;
const char* outcome_name(Outcome outcome);
const char* protocol_name(Protocol protocol);

// A cumulative histogram with fixed upper bounds (Prometheus "le" buckets).
template <std::size_t N>
struct Histogram {
  std::array<std::atomic<std::uint64_t>, N + 1> counts{};  // the last one is +Inf
  std::atomic<std::uint64_t> count{0};
  std::atomic<double> sum{0.0};

  void observe(double value, const std::array<double, N>& bounds) {
    std::size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    counts[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    double old = sum.load(std::memory_order_relaxed);
    while (!sum.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
    }
  }
};

inline constexpr std::array<double, 14> kLatencyBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
inline constexpr std::array<double, 10> kBatchBounds = {1, 2, 4, 8, 16, 64, 256, 1024, 4096, 16384};

// Everything counted for one model name (all its versions), and for requests naming no known
// model (the block named "").
struct ModelStats {
  std::array<std::array<std::atomic<std::uint64_t>, kOutcomeCount>, kProtocolCount> requests{};
  Histogram<kLatencyBounds.size()> latency;   // seconds, successful requests
  Histogram<kBatchBounds.size()> batch_rows;  // rows per successful request
  std::atomic<std::uint64_t> reloads_ok{0};
  std::atomic<std::uint64_t> reloads_failed{0};
};

class Metrics {
 public:
  // The block of a model name, created on first use; the pointer stays valid for the lifetime
  // of this object.
  ModelStats* model(std::string_view name);

  void record(ModelStats* stats, Protocol protocol, Outcome outcome) {
    stats->requests[static_cast<std::size_t>(protocol)][static_cast<std::size_t>(outcome)]
        .fetch_add(1, std::memory_order_relaxed);
  }

  std::atomic<std::int64_t>& in_flight() { return in_flight_; }

  // The exposition text (Prometheus text format 0.0.4).
  std::string render() const;

 private:
  mutable std::mutex mutex_;  // guards the map's structure only, never a request's counters
  std::map<std::string, std::unique_ptr<ModelStats>, std::less<>> models_;
  std::atomic<std::int64_t> in_flight_{0};
};

}  // namespace pith::serve
