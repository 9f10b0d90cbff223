// Start-up, the reload loop and graceful shutdown of `pith serve`.
#include "server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "grpc_service.h"
#include "http_service.h"
#include "pith/error.h"
#include "pith/version.h"

namespace pith::serve {
namespace {

// The signal handler's only work: one byte into a pipe that the main thread blocks on. This works
// whichever thread the kernel picks (gRPC starts threads of its own that we cannot mask).
int g_signal_pipe[2] = {-1, -1};

void on_signal(int signal_number) {
  const char byte = static_cast<char>(signal_number);
  const ssize_t written = ::write(g_signal_pipe[1], &byte, 1);
  (void)written;
}

void install_signal_handlers() {
  if (::pipe(g_signal_pipe) != 0) throw Error(ErrorCode::kIO, "cannot create the signal pipe");
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is the socket's error, not the process's
}

int wait_for_signal() {
  char byte = 0;
  while (::read(g_signal_pipe[0], &byte, 1) != 1) {
  }
  return byte;
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

// Polls the model files every poll_seconds until stopped.
class Reloader {
 public:
  explicit Reloader(ServerState* state) : state_(state) {
    if (state->options.poll_seconds > 0) thread_ = std::thread([this] { loop(); });
  }
  ~Reloader() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (
        !wake_.wait_for(lock, millis(state_->options.poll_seconds), [this] { return stopping_; })) {
      lock.unlock();
      try {
        state_->registry.poll();
      } catch (const std::exception& e) {
        log(LogLevel::kError, "model poll failed", {field("error", e.what())});
      }
      lock.lock();
    }
  }

  ServerState* state_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

std::unique_ptr<grpc::Server> start_grpc(ServerState& state, GrpcInferenceService& service,
                                         int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  const std::string address = state.options.host + ":" + std::to_string(state.options.grpc_port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(&service);
  // A port in use is an error, not a port silently shared with another process.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Per-call work that a model server does not need: channelz's call counters and HTTP/2 BDP
  // pings. (Not GRPC_ARG_MINIMAL_STACK: it drops the filter that enforces the message size.)
  builder.AddChannelArgument(GRPC_ARG_ENABLE_CHANNELZ, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<std::size_t>(state.options.max_message_bytes, std::size_t{INT32_MAX})));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || *port == 0) {
    throw Error(ErrorCode::kIO,
                "cannot listen for gRPC on " + address + " (address in use or not local?)");
  }
  return server;
}

void set_health(grpc::Server* server, bool serving) {
  if (server == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  health->SetServingStatus("inference.GRPCInferenceService", serving);
}

}  // namespace

int run_server(const ServeOptions& options) {
  install_signal_handlers();

  set_log_level(options.log_level);
  // Debian's Abseil checks every mutex acquisition for lock-order cycles (a debugging aid); in
  // gRPC's per-call locking that measured 3-4% of the server's CPU under load.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ServerState state(options);
  state.registry.load_initial();

  GrpcInferenceService grpc_service(&state);
  std::unique_ptr<grpc::Server> grpc_server;
  int grpc_port = -1;
  if (options.grpc_port >= 0) grpc_server = start_grpc(state, grpc_service, &grpc_port);

  std::unique_ptr<HttpFrontEnd> http;
  std::thread http_thread;
  int http_port = -1;
  if (options.http_port >= 0) {
    http = std::make_unique<HttpFrontEnd>(&state);
    http_port = http->bind(options.host, options.http_port);
    http_thread = std::thread([&http] { http->run(); });
  }
  Reloader reloader(&state);
  state.ready.store(true);
  set_health(grpc_server.get(), true);
  const auto snapshot = state.registry.snapshot();
  log(LogLevel::kInfo, "serving",
      {field("version", kVersion), field("host", options.host),
       field("grpc_port", static_cast<long long>(grpc_port)),
       field("http_port", static_cast<long long>(http_port)),
       field("models", static_cast<long long>(snapshot->models.size()))});

  const int signal_number = wait_for_signal();
  const auto shutdown_start = std::chrono::steady_clock::now();
  state.ready.store(false);
  set_health(grpc_server.get(), false);
  log(LogLevel::kInfo, "shutting down: not ready; draining",
      {field("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"),
       field("drain_seconds", options.drain_seconds),
       field("in_flight", static_cast<long long>(state.metrics.in_flight().load()))});
  if (options.drain_seconds > 0) std::this_thread::sleep_for(millis(options.drain_seconds));

  // New calls are refused from here; in-flight ones get until the deadline to finish.
  if (http) http->stop();
  if (grpc_server) {
    grpc_server->Shutdown(std::chrono::system_clock::now() + millis(options.shutdown_timeout));
  }
  if (http_thread.joinable()) http_thread.join();
  if (grpc_server) grpc_server->Wait();
  log(LogLevel::kInfo, "stopped", {field("shutdown_seconds", seconds_since(shutdown_start))});
  return 0;
}

}  // namespace pith::serve
