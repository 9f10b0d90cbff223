// `pith serve`: serve .pith models over gRPC (Open Inference Protocol) and REST/JSON.
#include <charconv>
#include <string>

#include "cli.h"
#include "pith/error.h"
#include "serve/server.h"

namespace pith::cli {
namespace {

double seconds_value(const Args& args, std::string_view name, double fallback) {
  const std::optional<std::string> text = args.value(name);
  if (!text) return fallback;
  double result = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, result);
  if (text->empty() || ec != std::errc() || ptr != end || !(result >= 0) || result > 86400) {
    args.usage_error("--" + std::string(name) + " expects seconds from 0 to 86400, got '" + *text +
                     "'");
  }
  return result;
}

int run_serve(const Args& args) {
  serve::ServeOptions options;
  if (const auto config = args.value("config")) serve::read_config_file(*config, &options);
  for (const std::string& spec : args.values("model")) {
    const std::size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size() || spec.find('/') < eq) {
      args.usage_error("--model expects NAME=PATH (e.g. --model kmeans=model.pith), got '" + spec +
                       "'");
    }
    options.sources.push_back(serve::model_file(spec.substr(0, eq), spec.substr(eq + 1)));
  }
  for (const std::string& dir : args.values("model-repository")) {
    options.sources.push_back(serve::model_repository(dir));
  }
  options.host = args.value("host").value_or(options.host);
  options.grpc_port = args.int_value("grpc-port", options.grpc_port, -1, 65535);
  options.http_port = args.int_value("http-port", options.http_port, -1, 65535);
  if (options.grpc_port < 0 && options.http_port < 0) {
    args.usage_error("--grpc-port and --http-port are both -1: nothing to listen on");
  }
  options.max_message_bytes = static_cast<std::size_t>(args.int_value(
      "max-message-bytes", static_cast<int>(options.max_message_bytes), 1024, 2147483647));
  options.max_inflight = args.int_value("max-inflight", options.max_inflight, 0, 1 << 20);
  options.http_threads = args.int_value("http-threads", options.http_threads, 0, 4096);
  options.poll_seconds = seconds_value(args, "poll-seconds", options.poll_seconds);
  options.drain_seconds = seconds_value(args, "drain-seconds", options.drain_seconds);
  options.shutdown_timeout = seconds_value(args, "shutdown-timeout", options.shutdown_timeout);
  if (const auto level = args.value("log-level")) {
    if (!serve::parse_log_level(*level, &options.log_level)) {
      args.usage_error("--log-level expects debug, info, warning or error, got '" + *level + "'");
    }
  }
  if (options.sources.empty()) {
    args.usage_error(
        "nothing to serve: give --model NAME=PATH, --model-repository DIR or "
        "--config FILE");
  }
  return serve::run_server(options);
}

}  // namespace

const Subcommand& serve_subcommand() {
  static const Subcommand command{
      .name = "serve",
      .summary = "Serve models over gRPC (Open Inference Protocol) and REST/JSON.",
      .operands = {},
      .options =
          {
              value_option("model", "NAME=PATH", "serve the .pith file PATH as NAME (repeatable)",
                           'm'),
              value_option("model-repository", "DIR",
                           "serve DIR/<name>/<version>/model.pith (repeatable)"),
              value_option("config", "FILE", "read options and models from a JSON file"),
              value_option("host", "ADDR", "address to listen on (default 0.0.0.0)"),
              value_option("grpc-port", "N", "gRPC port (default 8001; 0: any free; -1: off)"),
              value_option("http-port", "N", "REST port (default 8000; 0: any free; -1: off)"),
              value_option("max-message-bytes", "N", "largest request accepted (default 67108864)"),
              value_option("max-inflight", "N",
                           "inference requests at once, beyond: refused (default 1024; 0: no "
                           "limit)"),
              value_option("http-threads", "N",
                           "REST worker threads (default 64, or 8 per core if more)"),
              value_option("poll-seconds", "S",
                           "check model files for changes every S seconds (default 2; 0: never)"),
              value_option("drain-seconds", "S",
                           "on SIGTERM, stay not-ready but serving for S seconds (default 0)"),
              value_option("shutdown-timeout", "S",
                           "then wait up to S seconds for requests in flight (default 30)"),
              value_option("log-level", "LEVEL", "debug, info (default), warning or error"),
          },
      .details =
          "Logs are JSON lines on stderr; the 'serving' line gives the ports (useful with 0).\n"
          "gRPC: inference.GRPCInferenceService (KServe v2) and grpc.health.v1.Health.\n"
          "REST: /v2/health/{live,ready}, /v2, /v2/models/NAME[/versions/V][/ready|/infer],\n"
          "/metrics (Prometheus). SIGTERM or SIGINT: not ready, drain, exit 0.\n"
          "See docs/serve.md.\n",
      .run = &run_serve,
  };
  return command;
}

}  // namespace pith::cli
