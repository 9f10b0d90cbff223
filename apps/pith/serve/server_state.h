// What the gRPC and REST front ends of `pith serve` share: options, models, metrics, readiness
// and the admission count that enforces the concurrency limit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "log.h"
#include "metrics.h"
#include "model_registry.h"

namespace pith::serve {

struct ServeOptions {
  std::vector<ModelSource> sources;
  std::string host = "0.0.0.0";
  int grpc_port = 8001;                       // 0: any free port (logged); -1: no gRPC
  int http_port = 8000;                       // 0: any free port (logged); -1: no REST
  std::size_t max_message_bytes = 64u << 20;  // larger requests: RESOURCE_EXHAUSTED / 413
  int max_inflight = 1024;                    // inference requests processed at once; 0: no limit
  int http_threads = 0;                       // REST worker threads; 0: 64, or 8 per core if more
  double poll_seconds = 2.0;                  // how often model files are checked; 0: never
  double drain_seconds = 0.0;                 // after SIGTERM, seconds not-ready but still serving
  double shutdown_timeout = 30.0;             // then, seconds for in-flight requests to finish
  LogLevel log_level = LogLevel::kInfo;
};

struct ServerState {
  explicit ServerState(const ServeOptions& opts)
      : options(opts), registry(opts.sources, &metrics) {}

  ServeOptions options;
  Metrics metrics;
  ModelRegistry registry;
  std::atomic<bool> ready{false};  // false before the models load and once shutdown begins
};

// Counts a request as in flight for its lifetime; admitted() is false past the limit.
class InflightGuard {
 public:
  explicit InflightGuard(ServerState& state) : counter_(state.metrics.in_flight()) {
    const std::int64_t now = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
    admitted_ = state.options.max_inflight <= 0 || now <= state.options.max_inflight;
  }
  ~InflightGuard() { counter_.fetch_sub(1, std::memory_order_relaxed); }
  InflightGuard(const InflightGuard&) = delete;
  InflightGuard& operator=(const InflightGuard&) = delete;
  bool admitted() const { return admitted_; }

 private:
  std::atomic<std::int64_t>& counter_;
  bool admitted_ = true;
};

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace pith::serve
