// `pith convert MODEL -o model.pith`: an XGBoost (JSON or UBJSON) or LightGBM (text) model file
// to a .pith file, with no Python and no source library involved.
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cli.h"
#include "pith/error.h"
#include "pith/lightgbm_import.h"
#include "pith/model_io.h"
#include "pith/xgboost_import.h"

namespace pith::cli {
namespace {

enum class Source { kXgboost, kLightgbm };

// The format from the first bytes: XGBoost's JSON and UBJSON models are objects ('{'); LightGBM's
// text models start with "tree" (after optional blank lines).
std::optional<Source> detect(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() &&
         (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
    ++i;
  }
  const std::string_view start = bytes.substr(i);
  if (start.starts_with("{")) return Source::kXgboost;
  if (start.starts_with("tree\n") || start.starts_with("tree\r\n")) return Source::kLightgbm;
  return std::nullopt;
}

const char* name(Source source) { return source == Source::kXgboost ? "xgboost" : "lightgbm"; }

int run_convert(const Args& args) {
  const std::string& input = args.operand(0);
  const std::optional<std::string> output = args.value("output");
  if (!output) args.usage_error("missing -o FILE (where to write the .pith model)");
  std::optional<Source> source;
  if (const auto from = args.value("from")) {
    if (*from == "xgboost") {
      source = Source::kXgboost;
    } else if (*from == "lightgbm") {
      source = Source::kLightgbm;
    } else {
      args.usage_error("--from expects 'xgboost' or 'lightgbm', got '" + *from + "'");
    }
  }
  // Tree models can be large, but a file past 4 GiB is no model either library writes.
  constexpr std::size_t kMaxBytes = std::size_t{1} << 32;
  const std::string bytes = read_input(input, kMaxBytes);
  const std::string shown = input == "-" ? "standard input" : "'" + input + "'";
  if (!source) source = detect(bytes);
  if (!source) {
    throw Error(ErrorCode::kFormat,
                "cannot tell the format of " + shown +
                    ": expected an XGBoost model (JSON or UBJSON, from save_model) or a LightGBM "
                    "text model (from save_model); name it with --from");
  }
  Model model;
  try {
    model = *source == Source::kXgboost ? import_xgboost(bytes) : import_lightgbm(bytes);
  } catch (const Error& e) {
    throw Error(e.code(), std::string(name(*source)) + " model " + shown + ": " + e.what());
  }
  save_model(model, *output);
  const auto& trees = std::get<TreeEnsembleModel>(model.estimator);
  std::string summary = "pith convert: wrote " + *output + ": " + name(*source) + " model, " +
                        std::to_string(trees.n_trees()) + " trees, " +
                        std::to_string(model.input.n_features) + " features, ";
  summary += trees.is_classifier() ? std::to_string(trees.n_classes()) + "-class classifier"
                                   : std::string("regressor");
  std::fprintf(stderr, "%s\n", summary.c_str());
  return kExitOk;
}

}  // namespace

const Subcommand& convert_subcommand() {
  static const Subcommand command{
      .name = "convert",
      .summary = "Convert an XGBoost or LightGBM model file to a .pith model.",
      .operands = {"MODEL"},
      .options =
          {
              value_option("output", "FILE", "write the .pith model to FILE (atomically)", 'o'),
              value_option("from", "xgboost|lightgbm",
                           "the source format (default: told from the file's first bytes)"),
          },
      .details =
          "MODEL is an XGBoost model saved as JSON or UBJSON (Booster.save_model) or a\n"
          "LightGBM text model (Booster.save_model); '-' reads standard input. The .pith\n"
          "model predicts what the source library predicts (same split rules, missing\n"
          "values, categorical splits and output transform); see docs/model-format.md.\n"
          "What pith cannot represent (e.g. linear trees, vector leaves) is an error\n"
          "naming the feature.\n",
      .run = &run_convert,
  };
  return command;
}

}  // namespace pith::cli
