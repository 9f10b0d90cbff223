// REST routes of `pith serve` (Open Inference Protocol HTTP/JSON binding) and /metrics.
#include "http_service.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "pith/error.h"
#include "pith/version.h"

namespace pith::serve {
namespace {

constexpr const char* kJson = "application/json";

// cpp-httplib 0.11 listens with a backlog of 5: a burst of new connections overflows it and the
// kernel drops SYNs, which clients retry after 1 s, 3 s, ... (measured: multi-second p99 under
// wrk). listen() again on the bound socket raises the backlog; httplib does not expose the
// socket, so it is found as the listening socket on `port`.
void raise_listen_backlog(int port) {
  rlimit limit{};
  const int max_fd = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536
                         ? static_cast<int>(limit.rlim_cur)
                         : 65536;
  for (int fd = 0; fd < max_fd; ++fd) {
    int listening = 0;
    socklen_t length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      continue;
    }
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) continue;
    int bound = -1;
    if (address.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    } else if (address.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
}
// {name} and an optional /versions/{v}, as the protocol's paths put them.
constexpr const char* kModelPath = R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)";

void reply(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), kJson);
}

std::string version_of(const httplib::Request& req) {
  return req.matches.size() > 2 ? std::string(req.matches[2]) : std::string();
}

std::string metadata_json(const ModelMetadata& metadata) {
  using nlohmann::json;
  const auto tensors = [](const std::vector<TensorMetadata>& list) {
    json out = json::array();
    for (const TensorMetadata& t : list) {
      json tensor = {{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}};
      if (!t.feature_names.empty()) tensor["parameters"] = {{"feature_names", t.feature_names}};
      out.push_back(std::move(tensor));
    }
    return out;
  };
  const json out = {{"name", metadata.name},
                    {"versions", metadata.versions},
                    {"platform", metadata.platform},
                    {"inputs", tensors(metadata.inputs)},
                    {"outputs", tensors(metadata.outputs)}};
  return out.dump();
}

void handle_infer(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  thread_local InferScratch scratch;
  const InflightGuard guard(state);
  const std::string name = req.matches[1];
  ModelStats* stats = nullptr;
  try {
    if (!guard.admitted()) {
      throw RequestError(Outcome::kRejected, "too many requests in flight (limit " +
                                                 std::to_string(state.options.max_inflight) +
                                                 "); retry later");
    }
    const LookupResult found = state.registry.find(name, version_of(req));
    if (!found.servable) throw RequestError(Outcome::kNotFound, found.error);
    stats = found.servable->stats;
    JsonInferRequest request;
    parse_infer_json(req.body, &request);
    const InferInput input = json_input(request);
    const std::vector<std::string_view> requested(request.outputs.begin(), request.outputs.end());
    const std::vector<InferOutput> outputs =
        run_inference(*found.servable, input, requested, scratch);
    reply(res, 200, infer_response_json(*found.servable, request.id, outputs));
    state.metrics.record(stats, Protocol::kHttp, Outcome::kOk);
    stats->batch_rows.observe(static_cast<double>(input_rows(input)), kBatchBounds);
    stats->latency.observe(seconds_since(start), kLatencyBounds);
  } catch (const RequestError& e) {
    if (stats == nullptr) stats = state.metrics.model("");
    state.metrics.record(stats, Protocol::kHttp, e.outcome());
    if (log_enabled(LogLevel::kDebug)) {
      log(LogLevel::kDebug, "request refused",
          {field("protocol", "http"), field("model", name),
           field("outcome", outcome_name(e.outcome())), field("error", e.what())});
    }
    reply(res, http_status(e.outcome()), error_json(e.what()));
  }
}

}  // namespace

HttpFrontEnd::HttpFrontEnd(ServerState* state)
    : state_(state), server_(std::make_unique<httplib::Server>()) {
  httplib::Server& server = *server_;
  ServerState& s = *state_;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto threads = static_cast<std::size_t>(
      s.options.http_threads > 0 ? s.options.http_threads : std::max(64, 8 * cores));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(s.options.max_message_bytes);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(2);
  server.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which lets a second server
  // silently share (and split) a port that is in use instead of failing to start.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });

  server.Get("/v2/health/live", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, R"({"live":true})");
  });
  server.Get("/v2/health/ready", [&s](const httplib::Request&, httplib::Response& res) {
    const bool ready = s.ready.load();
    reply(res, ready ? 200 : 503, ready ? R"({"ready":true})" : R"({"ready":false})");
  });
  server.Get("/v2", [](const httplib::Request&, httplib::Response& res) {
    reply(res, 200,
          std::string(R"({"name":"pith","version":")") + kVersion + R"(","extensions":[]})");
  });
  server.Get(kModelPath, [&s](const httplib::Request& req, httplib::Response& res) {
    const auto snapshot = s.registry.snapshot();
    const LookupResult found = s.registry.find(std::string(req.matches[1]), version_of(req));
    if (!found.servable) return reply(res, 404, error_json(found.error));
    reply(res, 200, metadata_json(model_metadata(*snapshot, *found.servable)));
  });
  server.Get(std::string(kModelPath) + "/ready", [&s](const httplib::Request& req,
                                                      httplib::Response& res) {
    const LookupResult found = s.registry.find(std::string(req.matches[1]), version_of(req));
    if (!found.servable) return reply(res, 404, error_json(found.error));
    const bool ready = s.ready.load();
    const nlohmann::json body = {{"name", found.servable->name},
                                 {"version", found.servable->version_text},
                                 {"ready", ready}};
    reply(res, ready ? 200 : 503, body.dump());
  });
  server.Post(
      std::string(kModelPath) + "/infer",
      [&s](const httplib::Request& req, httplib::Response& res) { handle_infer(s, req, res); });
  server.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // httplib's own refusals (no route, 413 for a body over the limit, ...) in the same JSON shape.
  server.set_error_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message;
    if (res.status == 413) {
      message = "request body larger than the limit of " +
                std::to_string(s.options.max_message_bytes) + " bytes (--max-message-bytes)";
    } else if (res.status == 404) {
      message = "no route " + req.method + " " + req.path +
                "; see /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{v}]"
                "[/ready|/infer], /metrics";
    } else {
      message = "HTTP " + std::to_string(res.status);
    }
    res.set_content(error_json(message), kJson);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr error) {
    std::string message = "internal error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message += ": ";
      message += e.what();
    } catch (...) {
    }
    log(LogLevel::kError, "internal error", {field("protocol", "http"), field("error", message)});
    reply(res, 500, error_json(message));
  });
}

HttpFrontEnd::~HttpFrontEnd() = default;

int HttpFrontEnd::bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    throw Error(ErrorCode::kIO, "cannot listen for REST on " + host + ":" + std::to_string(port) +
                                    " (address in use or not local?)");
  }
  raise_listen_backlog(bound);
  return bound;
}

void HttpFrontEnd::run() { server_->listen_after_bind(); }

void HttpFrontEnd::stop() { server_->stop(); }

}  // namespace pith::serve
