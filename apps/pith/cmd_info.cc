// `pith info MODEL [--json]`: what a model file holds, as aligned text or one JSON object.
#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>

#include "cli.h"
#include "json.h"
#include "output.h"

namespace pith::cli {
namespace {

// Big models would flood the terminal: show every center only up to this many numbers, and
// otherwise the top-left corner of the centers matrix.
constexpr std::size_t kMaxCenterValues = 64;
constexpr std::size_t kCornerRows = 5;
constexpr std::size_t kCornerColumns = 8;
constexpr std::size_t kMaxTextFeatureNames = 20;  // --json always lists all

struct Corner {
  std::size_t rows;
  std::size_t columns;
};

Corner centers_shown(const KMeansModel& model) {
  if (model.n_clusters * model.n_features <= kMaxCenterValues) {
    return {model.n_clusters, model.n_features};
  }
  return {std::min(model.n_clusters, kCornerRows), std::min(model.n_features, kCornerColumns)};
}

void add_field(std::string& out, std::string_view label, std::string_view value) {
  std::string line = std::string(label) + ":";
  line.resize(std::max<std::size_t>(line.size() + 1, 17), ' ');
  out += line;
  out += value;
  out += '\n';
}

// One overload per estimator kind, for each output form; std::visit picks it, and a new kind
// without one does not compile.
void describe_text(const KMeansModel& model, std::string& out) {
  add_field(out, "n_clusters", std::to_string(model.n_clusters));
  add_field(out, "n_features", std::to_string(model.n_features));
  add_field(out, "inertia", format_shortest(model.inertia));
  add_field(out, "n_iter", std::to_string(model.n_iter));
  const Corner shown = centers_shown(model);
  if (shown.rows == model.n_clusters && shown.columns == model.n_features) {
    out += "centers:\n";
  } else {
    out += "centers (first " + std::to_string(shown.rows) + " of " +
           std::to_string(model.n_clusters) + " rows, " + std::to_string(shown.columns) + " of " +
           std::to_string(model.n_features) + " columns):\n";
  }
  for (std::size_t i = 0; i < shown.rows; ++i) {
    out += "  " + std::to_string(i) + ":";
    for (std::size_t j = 0; j < shown.columns; ++j) {
      out += (j == 0 ? " " : ", ") + format_shortest(model.centers[i * model.n_features + j]);
    }
    if (shown.columns < model.n_features) out += ", ...";
    out += '\n';
  }
}

void describe_json(const KMeansModel& model, JsonWriter& json) {
  json.key("n_clusters").integer(static_cast<std::int64_t>(model.n_clusters));
  json.key("n_features").integer(static_cast<std::int64_t>(model.n_features));
  json.key("inertia").number(model.inertia);
  json.key("n_iter").integer(model.n_iter);
  const Corner shown = centers_shown(model);
  json.key("centers").begin_array();
  for (std::size_t i = 0; i < shown.rows; ++i) {
    json.begin_array();
    for (std::size_t j = 0; j < shown.columns; ++j) {
      json.number(model.centers[i * model.n_features + j]);
    }
    json.end_array();
  }
  json.end_array();
  json.key("centers_truncated")
      .boolean(shown.rows < model.n_clusters || shown.columns < model.n_features);
}

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
  std::visit([&](const auto& estimator) { describe_text(estimator, out); }, model.estimator);
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
  std::visit([&](const auto& estimator) { describe_json(estimator, json); }, model.estimator);
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
