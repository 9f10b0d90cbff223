// The optional JSON config file of `pith serve` (--config FILE).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pith/error.h"
#include "server.h"

namespace pith::serve {
namespace {

using nlohmann::json;

[[noreturn]] void config_error(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, "config '" + path + "': " + message);
}

template <class T>
void read_number(const std::string& path, const json& root, const char* key, T* out) {
  const auto it = root.find(key);
  if (it == root.end()) return;
  if (!it->is_number()) config_error(path, std::string("\"") + key + "\" must be a number");
  *out = it->get<T>();
}

}  // namespace

void read_config_file(const std::string& path, ServeOptions* options) {
  std::ifstream file(path);
  if (!file) throw Error(ErrorCode::kIO, "config '" + path + "': cannot be read");
  std::stringstream text;
  text << file.rdbuf();
  json root;
  try {
    root = json::parse(text.str());
  } catch (const json::parse_error& e) {
    config_error(path, std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) config_error(path, "must be a JSON object");
  static const char* const kKnown[] = {"models",        "model_repositories", "host",
                                       "grpc_port",     "http_port",          "max_message_bytes",
                                       "max_inflight",  "http_threads",       "poll_seconds",
                                       "drain_seconds", "shutdown_timeout",   "log_level"};
  for (const auto& [key, value] : root.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      config_error(path, "unknown field \"" + key + "\"");
    }
  }
  // Relative model paths are relative to the config file, so a config works from any directory.
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  if (const auto models = root.find("models"); models != root.end()) {
    if (!models->is_array()) config_error(path, "\"models\" must be an array");
    for (const json& model : *models) {
      if (!model.is_object() || !model.contains("name") || !model.contains("path") ||
          !model["name"].is_string() || !model["path"].is_string()) {
        config_error(path, "each of \"models\" needs a string \"name\" and \"path\"");
      }
      ModelSource source =
          model_file(model["name"].get<std::string>(), base / model["path"].get<std::string>());
      if (const auto datatype = model.find("datatype"); datatype != model.end()) {
        if (*datatype == "FP32") {
          source.dtype = DType::kFloat32;
        } else if (*datatype == "FP64") {
          source.dtype = DType::kFloat64;
        } else {
          config_error(path, "a model's \"datatype\" must be \"FP32\" or \"FP64\"");
        }
      }
      if (const auto names = model.find("feature_names"); names != model.end()) {
        if (!names->is_array()) config_error(path, "\"feature_names\" must be an array");
        for (const json& name : *names) {
          if (!name.is_string()) config_error(path, "\"feature_names\" must hold strings");
          source.feature_names.push_back(name.get<std::string>());
        }
      }
      options->sources.push_back(std::move(source));
    }
  }
  if (const auto repos = root.find("model_repositories"); repos != root.end()) {
    if (!repos->is_array()) config_error(path, "\"model_repositories\" must be an array");
    for (const json& repo : *repos) {
      if (!repo.is_string()) config_error(path, "\"model_repositories\" must hold strings");
      options->sources.push_back(model_repository(base / repo.get<std::string>()));
    }
  }
  if (const auto host = root.find("host"); host != root.end()) {
    if (!host->is_string()) config_error(path, "\"host\" must be a string");
    options->host = host->get<std::string>();
  }
  read_number(path, root, "grpc_port", &options->grpc_port);
  read_number(path, root, "http_port", &options->http_port);
  read_number(path, root, "max_message_bytes", &options->max_message_bytes);
  read_number(path, root, "max_inflight", &options->max_inflight);
  read_number(path, root, "http_threads", &options->http_threads);
  read_number(path, root, "poll_seconds", &options->poll_seconds);
  read_number(path, root, "drain_seconds", &options->drain_seconds);
  read_number(path, root, "shutdown_timeout", &options->shutdown_timeout);
  if (const auto level = root.find("log_level"); level != root.end()) {
    if (!level->is_string() || !parse_log_level(level->get<std::string>(), &options->log_level)) {
      config_error(path, "\"log_level\" must be one of debug, info, warning, error");
    }
  }
}

}  // namespace pith::serve
