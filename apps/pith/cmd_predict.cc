// `pith predict MODEL DATA.csv`: predictions (or probabilities, scores, transforms) for every CSV
// row, for any model kind, through pith/predict.h.
#include <charconv>
#include <cstdint>
#include <numeric>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "cli.h"
#include "csv.h"
#include "output.h"
#include "pith/error.h"
#include "pith/kmeans.h"
#include "pith/predict.h"

namespace pith::cli {
namespace {

// Far above any core count; a typo like --threads 80000 is an error rather than a thread storm.
constexpr int kMaxThreads = 4096;

// Flags choosing an output other than "predict", by the scikit-learn method they mirror.
constexpr std::pair<const char*, const char*> kMethodFlags[] = {
    {"proba", "predict_proba"},
    {"decision-function", "decision_function"},
    {"transform", "transform"},
};

struct PredictOptions {
  std::string flag = "predict";
  std::string method = "predict";  // the model output to write (pith/predict.h)
  int n_threads = 0;               // 0: all cores
};

// For every CSV column, the model input column it feeds. With a header and named features the
// CSV may list them in any order; without names only the count can be checked.
std::vector<std::size_t> column_order(const CsvReader& csv, const InputSchema& schema) {
  const std::size_t n_features = schema.n_features;
  std::vector<std::size_t> order(n_features);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!csv.has_header()) return order;
  const std::vector<std::string>& header = csv.header();
  const std::string where = csv.source() + ", line " + std::to_string(csv.first_line());
  if (schema.feature_names.empty()) {
    if (header.size() != n_features) {
      throw_invalid_argument(where + ": the header has " + std::to_string(header.size()) +
                             " columns, the model expects " + std::to_string(n_features) +
                             " features");
    }
    return order;
  }
  std::unordered_map<std::string_view, std::size_t> feature_index;
  for (std::size_t i = 0; i < n_features; ++i) feature_index[schema.feature_names[i]] = i;
  std::vector<bool> seen(n_features, false);
  order.assign(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) {
    const auto it = feature_index.find(header[c]);
    if (it == feature_index.end()) {
      throw_invalid_argument(where + ": column '" + header[c] + "' is not a feature of the model");
    }
    if (seen[it->second]) {
      throw_invalid_argument(where + ": column '" + header[c] + "' appears twice");
    }
    seen[it->second] = true;
    order[c] = it->second;
  }
  for (std::size_t i = 0; i < n_features; ++i) {
    if (!seen[i]) {
      throw_invalid_argument(where + ": no column for the model's feature '" +
                             schema.feature_names[i] + "'");
    }
  }
  return order;
}

// Enough digits to read every value back exactly: 17 for float64, 9 for float32.
template <class T>
constexpr int kRoundTripDigits = sizeof(T) == 4 ? 9 : 17;

template <class T>
std::string format_rows(const std::vector<T>& values, std::size_t n_cols) {
  std::string out;
  char buffer[64];
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, values[i],
                                      std::chars_format::general, kRoundTripDigits<T>);
    out.append(buffer, result.ptr);
    out += (i + 1) % n_cols == 0 ? '\n' : ',';
  }
  return out;
}

// A label as one CSV cell: quoted (RFC 4180) when it holds a comma, quote or line break.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string format_indices(const std::vector<std::int32_t>& indices, const ClassLabels* classes) {
  std::string out;
  for (const std::int32_t index : indices) {
    if (classes == nullptr) {
      out += std::to_string(index);
    } else if (const auto* ints = std::get_if<std::vector<std::int64_t>>(classes)) {
      out += std::to_string((*ints)[static_cast<std::size_t>(index)]);
    } else {
      out +=
          csv_cell(std::get<std::vector<std::string>>(*classes)[static_cast<std::size_t>(index)]);
    }
    out += '\n';
  }
  return out;
}

// Parses the CSV straight into the model's dtype, so a float32 model predicts on float32 data
// exactly as it would from Python.
template <class T>
std::string predict_as(const Model& model, const CsvReader& csv, const PredictOptions& options) {
  const std::size_t n_features = model.input.n_features;  // >= 1: the loader validated it
  const std::vector<std::size_t> order = column_order(csv, model.input);
  const bool allow_missing = accepts_missing(model);
  const std::vector<T> values = csv.read_rows<T>(order, allow_missing);
  const MatrixView<T> X{values.data(), values.size() / n_features, n_features};
  const std::vector<OutputSpec> outputs = model_outputs(model);
  const OutputSpec* spec = find_output(outputs, options.method);
  if (spec == nullptr) {
    std::string message = "--" + options.flag + " is not supported for ";
    message.append(estimator_kind(model.estimator)).append(" models (they have:");
    for (const OutputSpec& s : outputs) message.append(" ").append(s.name);
    throw Error(ErrorCode::kUnsupported, message + ")");
  }
  // Zero rows (a header-only CSV) is a valid, empty batch.
  if (X.rows == 0) return "";
  if (!allow_missing) check_finite_matrix(X, "the CSV data", options.n_threads);
  if (spec->type == OutputType::kIndex) {
    std::vector<std::int32_t> indices(X.rows);
    predict<T>(model, spec->name, X, indices.data(), nullptr, options.n_threads);
    return format_indices(indices, spec->class_index ? model_classes(model) : nullptr);
  }
  std::vector<T> out(X.rows * spec->width);
  predict<T>(model, spec->name, X, nullptr, out.data(), options.n_threads);
  return format_rows(out, spec->width);
}

int run_predict(const Args& args) {
  const std::string& model_path = args.operand(0);
  const std::string& data_path = args.operand(1);
  if (model_path == "-" && data_path == "-") {
    args.usage_error("MODEL and DATA.csv cannot both be '-' (standard input)");
  }
  PredictOptions options;
  int chosen = 0;
  for (const auto& [flag, method] : kMethodFlags) {
    if (!args.flag(flag)) continue;
    if (++chosen > 1)
      args.usage_error("--proba, --decision-function and --transform exclude each other");
    options.flag = flag;
    options.method = method;
  }
  options.n_threads = args.int_value("threads", 0, 0, kMaxThreads);
  const std::string output_path = args.value("output").value_or("-");

  const LoadedModel loaded = load_model_file(model_path, "predict");
  const CsvReader csv(read_input(data_path), data_path == "-" ? "standard input" : data_path);
  if (csv.empty()) {
    throw_invalid_argument(csv.source() + " is empty: no header and no data rows");
  }
  const std::string out = loaded.model.input.dtype == DType::kFloat32
                              ? predict_as<float>(loaded.model, csv, options)
                              : predict_as<double>(loaded.model, csv, options);
  write_output(output_path, out);
  return kExitOk;
}

}  // namespace

const Subcommand& predict_subcommand() {
  static const Subcommand command{
      .name = "predict",
      .summary = "Predict (labels, values, probabilities, transforms) for every row of a CSV file.",
      .operands = {"MODEL", "DATA.csv"},
      .options =
          {
              value_option("output", "FILE", "write to FILE (replaced atomically), not stdout",
                           'o'),
              value_option("threads", "N", "threads to use; 0 (the default) uses all cores"),
              flag_option("proba", "write class probabilities (classifiers)"),
              flag_option("decision-function", "write raw scores (classifiers)"),
              flag_option("transform", "write the transform (K-Means distances, scaled features)"),
          },
      .details =
          "DATA.csv: comma-separated numbers, one sample per row; '-' reads standard input.\n"
          "A first row with a non-numeric cell is a header: when the model has feature names,\n"
          "columns are matched by name (any order); otherwise only their count is checked.\n"
          "A header-only file gives empty output; an empty file is an error.\n"
          "Output: one prediction per line: a cluster index, a class label or the regression\n"
          "value(s); with --proba, --decision-function or --transform one comma-separated row\n"
          "per sample (17 significant digits for float64 models, 9 for float32).\n",
      .run = &run_predict,
  };
  return command;
}

}  // namespace pith::cli
