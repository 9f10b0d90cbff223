// `pith info MODEL [--json]`: what a model file holds, as aligned text or one JSON object.
#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>

#include "cli.h"
#include "describe.h"
#include "json.h"
#include "output.h"

namespace pith::cli {
namespace {

constexpr std::size_t kMaxTextFeatureNames = 20;  // --json always lists all

std::string version_text(const FormatVersion& version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

std::string info_text(const std::string& path, const LoadedModel& loaded) {
  const Model& model = loaded.model;
  std::string out;
  add_field(out, "path", path);
  add_field(out, "format version", version_text(loaded.version));
  add_field(out, "producer", model.producer.empty() ? "(unknown)" : model.producer);
  add_field(out, "estimator", estimator_kind(model.estimator));
  add_field(out, "input",
            std::to_string(model.input.n_features) + " features, " + dtype_name(model.input.dtype));
  const std::vector<std::string>& names = model.input.feature_names;
  std::string name_list = names.empty() ? "(none)" : "";
  for (std::size_t i = 0; i < std::min(names.size(), kMaxTextFeatureNames); ++i) {
    name_list += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kMaxTextFeatureNames) {
    name_list += ", ... (" + std::to_string(names.size()) + " names)";
  }
  add_field(out, "feature names", name_list);
  describe_text(model.estimator, out);
  return out;
}

std::string info_json(const std::string& path, const LoadedModel& loaded) {
  const Model& model = loaded.model;
  JsonWriter json;
  json.begin_object();
  json.key("path").string(path);
  json.key("format_version").string(version_text(loaded.version));
  json.key("producer").string(model.producer);
  json.key("estimator").string(estimator_kind(model.estimator));
  json.key("input").begin_object();
  json.key("n_features").integer(static_cast<std::int64_t>(model.input.n_features));
  json.key("dtype").string(dtype_name(model.input.dtype));
  json.key("feature_names").begin_array();
  for (const std::string& name : model.input.feature_names) json.string(name);
  json.end_array();
  json.end_object();
  json.key("params").begin_object();
  describe_json(model.estimator, json);
  json.end_object();
  json.end_object();
  return json.text() + "\n";
}

int run_info(const Args& args) {
  const std::string& path = args.operand(0);
  const LoadedModel loaded = load_model_file(path, "info");
  write_output("-", args.flag("json") ? info_json(path, loaded) : info_text(path, loaded));
  return kExitOk;
}

}  // namespace

const Subcommand& info_subcommand() {
  static const Subcommand command{
      .name = "info",
      .summary = "Describe a model file: format version, input schema, parameters.",
      .operands = {"MODEL"},
      .options = {flag_option("json", "print one JSON object instead of text")},
      .details = "Loader warnings (e.g. a file from a newer minor format version) go to stderr.",
      .run = &run_info,
  };
  return command;
}

}  // namespace pith::cli
