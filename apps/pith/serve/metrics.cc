// Prometheus text exposition of the server's metrics.
#include "metrics.h"

#include <charconv>

namespace pith::serve {
namespace {

// A label value with \, " and newlines escaped, as the text format wants.
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Shortest round-trip text, fixed-point (le="0.0005" as Prometheus clients write it).
std::string number(double value) {
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

template <std::size_t N>
void render_histogram(std::string& out, std::string_view name, const std::string& labels,
                      const Histogram<N>& histogram, const std::array<double, N>& bounds) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= N; ++i) {
    cumulative += histogram.counts[i].load(std::memory_order_relaxed);
    out += name;
    out += "_bucket{";
    out += labels;
    out += ",le=\"";
    out += i < N ? number(bounds[i]) : std::string("+Inf");
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += name;
  out += "_sum{" + labels + "} " + number(histogram.sum.load(std::memory_order_relaxed)) + "\n";
  out += name;
  out += "_count{" + labels + "} " +
         std::to_string(histogram.count.load(std::memory_order_relaxed)) + "\n";
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kInvalidArgument:
      return "invalid_argument";
    case Outcome::kNotFound:
      return "not_found";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kUnavailable:
      return "unavailable";
    case Outcome::kInternal:
      return "internal";
    case Outcome::kCancelled:
      return "cancelled";
  }
  return "internal";
}

const char* protocol_name(Protocol protocol) {
  return protocol == Protocol::kGrpc ? "grpc" : "http";
}

ModelStats* Metrics::model(std::string_view name) {
  const std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) {
    it = models_.emplace(std::string(name), std::make_unique<ModelStats>()).first;
  }
  return it->second.get();
}

std::string Metrics::render() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  out +=
      "# HELP pith_requests_total Inference requests by model, protocol and outcome.\n"
      "# TYPE pith_requests_total counter\n";
  for (const auto& [name, stats] : models_) {
    for (std::size_t p = 0; p < kProtocolCount; ++p) {
      for (std::size_t o = 0; o < kOutcomeCount; ++o) {
        const std::uint64_t n = stats->requests[p][o].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += "pith_requests_total{model=\"" + escape_label(name) + "\",protocol=\"" +
               protocol_name(static_cast<Protocol>(p)) + "\",outcome=\"" +
               outcome_name(static_cast<Outcome>(o)) + "\"} " + std::to_string(n) + "\n";
      }
    }
  }
  out +=
      "# HELP pith_request_duration_seconds Time to serve a successful inference request, from "
      "its arrival (decoded) to its answer.\n"
      "# TYPE pith_request_duration_seconds histogram\n";
  for (const auto& [name, stats] : models_) {
    if (name.empty()) continue;
    render_histogram(out, "pith_request_duration_seconds", "model=\"" + escape_label(name) + "\"",
                     stats->latency, kLatencyBounds);
  }
  out +=
      "# HELP pith_batch_rows Rows per successful inference request.\n"
      "# TYPE pith_batch_rows histogram\n";
  for (const auto& [name, stats] : models_) {
    if (name.empty()) continue;
    render_histogram(out, "pith_batch_rows", "model=\"" + escape_label(name) + "\"",
                     stats->batch_rows, kBatchBounds);
  }
  out +=
      "# HELP pith_model_reloads_total Model loads after start-up (new file or version), by "
      "outcome.\n"
      "# TYPE pith_model_reloads_total counter\n";
  for (const auto& [name, stats] : models_) {
    if (name.empty()) continue;
    const std::string label = "model=\"" + escape_label(name) + "\"";
    out += "pith_model_reloads_total{" + label + ",outcome=\"ok\"} " +
           std::to_string(stats->reloads_ok.load()) + "\n";
    out += "pith_model_reloads_total{" + label + ",outcome=\"failed\"} " +
           std::to_string(stats->reloads_failed.load()) + "\n";
  }
  out +=
      "# HELP pith_inflight_requests Inference requests being processed now.\n"
      "# TYPE pith_inflight_requests gauge\n"
      "pith_inflight_requests " +
      std::to_string(in_flight_.load()) + "\n";
  return out;
}

}  // namespace pith::serve
