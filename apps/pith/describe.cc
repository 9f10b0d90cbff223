// The parameters `pith info` shows for every estimator kind, and their text and JSON forms.
#include "describe.h"

#include <algorithm>
#include <string>

#include "cli.h"

namespace pith::cli {
namespace {

// Big models would flood the terminal: show a matrix whole only up to this many numbers, and
// otherwise its top-left corner. JSON is truncated the same way and says so.
constexpr std::size_t kMaxValues = 64;
constexpr std::size_t kCornerRows = 5;
constexpr std::size_t kCornerColumns = 8;

struct Corner {
  std::size_t rows;
  std::size_t columns;
};

Corner shown_corner(const NumberMatrix& m) {
  if (m.rows * m.cols <= kMaxValues) return {m.rows, m.cols};
  if (m.is_vector) return {1, kMaxValues};
  return {std::min(m.rows, kCornerRows), std::min(m.cols, kCornerColumns)};
}

NumberMatrix matrix(const std::vector<double>& values, std::size_t rows, std::size_t cols) {
  return {values.data(), rows, cols, false};
}
NumberMatrix vector(const std::vector<double>& values) {
  return {values.data(), 1, values.size(), true};
}
std::int64_t count(std::size_t n) { return static_cast<std::int64_t>(n); }

std::vector<std::string> class_names(const ClassLabels& classes) {
  std::vector<std::string> names;
  if (const auto* ints = std::get_if<std::vector<std::int64_t>>(&classes)) {
    for (const std::int64_t label : *ints) names.push_back(std::to_string(label));
  } else {
    names = std::get<std::vector<std::string>>(classes);
  }
  return names;
}

std::vector<Param> params_of(const KMeansModel& m) {
  return {{"n_clusters", count(m.n_clusters)},
          {"n_features", count(m.n_features)},
          {"inertia", m.inertia},
          {"n_iter", std::int64_t{m.n_iter}},
          {"centers", matrix(m.centers, m.n_clusters, m.n_features)}};
}
std::vector<Param> params_of(const LinearRegressionModel& m) {
  return {{"n_features", count(m.n_features)},
          {"n_targets", count(m.n_targets)},
          {"alpha", m.alpha},
          {"rank", std::int64_t{m.rank}},
          {"coef", matrix(m.coef, m.n_targets, m.n_features)},
          {"intercept", vector(m.intercept)}};
}
std::vector<Param> params_of(const LogisticRegressionModel& m) {
  return {{"n_features", count(m.n_features)}, {"n_classes", count(m.n_classes())},
          {"classes", class_names(m.classes)}, {"C", m.C},
          {"n_iter", std::int64_t{m.n_iter}},  {"coef", matrix(m.coef, m.n_rows(), m.n_features)},
          {"intercept", vector(m.intercept)}};
}
std::vector<Param> params_of(const StandardScalerModel& m) {
  return {{"n_features", count(m.n_features)},
          {"with_mean", m.with_mean},
          {"with_std", m.with_std},
          {"mean", vector(m.mean)},
          {"scale", vector(m.scale)}};
}
std::vector<Param> params_of(const MinMaxScalerModel& m) {
  return {{"n_features", count(m.n_features)}, {"feature_range_min", m.range_min},
          {"feature_range_max", m.range_max},  {"clip", m.clip},
          {"scale", vector(m.scale)},          {"min", vector(m.min)}};
}

std::vector<Param> params_of(const TreeEnsembleModel& m) {
  const TreeEnsembleStats stats = tree_ensemble_stats(m);
  std::vector<Param> params{{"n_features", count(m.n_features)},
                            {"task", std::string(m.is_classifier() ? "classifier" : "regressor")}};
  if (m.is_classifier()) {
    params.push_back({"n_classes", count(m.n_classes())});
    params.push_back({"classes", class_names(m.classes)});
  }
  params.push_back({"n_trees", count(m.n_trees())});
  params.push_back({"n_nodes", count(m.n_nodes())});
  params.push_back({"n_leaves", count(stats.n_leaves)});
  params.push_back({"max_depth", count(stats.max_depth)});
  params.push_back({"categorical_splits", count(stats.n_categorical_splits)});
  params.push_back({"n_outputs", count(m.n_outputs)});
  params.push_back({"leaf_width", count(m.leaf_width)});
  params.push_back({"split", std::string("x ") + to_string(m.comparison) + " threshold, x as " +
                                 to_string(m.feature_precision)});
  params.push_back({"score_precision", std::string(to_string(m.score_precision))});
  params.push_back({"transform", std::string(to_string(m.transform))});
  if (m.transform == TreeTransform::kSigmoid) params.push_back({"sigmoid_alpha", m.sigmoid_alpha});
  params.push_back({"base_score", vector(m.base_score)});
  return params;
}

std::string scalar_text(const Param& p) {
  struct {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return format_shortest(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const std::vector<std::string>& v) const {
      std::string out;
      for (std::size_t i = 0; i < v.size(); ++i) out.append(i ? ", " : "").append(v[i]);
      return out;
    }
    std::string operator()(const NumberMatrix&) const { return {}; }
  } visitor;
  return std::visit(visitor, p.value);
}

void matrix_text(const std::string& name, const NumberMatrix& m, const std::string& indent,
                 std::string& out) {
  const Corner shown = shown_corner(m);
  const auto row_text = [&](std::size_t i) {
    std::string line;
    for (std::size_t j = 0; j < shown.columns; ++j) {
      line.append(j == 0 ? "" : ", ").append(format_shortest(m.data[i * m.cols + j]));
    }
    if (shown.columns < m.cols) line += ", ...";
    return line;
  };
  if (m.is_vector) {
    add_field(out, indent + name, row_text(0));
    return;
  }
  out += indent + name;
  if (shown.rows < m.rows || shown.columns < m.cols) {
    out += " (first " + std::to_string(shown.rows) + " of " + std::to_string(m.rows) + " rows, " +
           std::to_string(shown.columns) + " of " + std::to_string(m.cols) + " columns)";
  }
  out += ":\n";
  for (std::size_t i = 0; i < shown.rows; ++i) {
    out += indent + "  " + std::to_string(i) + ": " + row_text(i) + "\n";
  }
}

void params_text(const std::vector<Param>& params, const std::string& indent, std::string& out) {
  for (const Param& p : params) {
    if (const auto* m = std::get_if<NumberMatrix>(&p.value)) {
      matrix_text(p.name, *m, indent, out);
    } else {
      add_field(out, indent + p.name, scalar_text(p));
    }
  }
}

void params_json(const std::vector<Param>& params, JsonWriter& json) {
  for (const Param& p : params) {
    json.key(p.name);
    if (const auto* m = std::get_if<NumberMatrix>(&p.value)) {
      const Corner shown = shown_corner(*m);
      if (!m->is_vector) json.begin_array();
      for (std::size_t i = 0; i < shown.rows; ++i) {
        json.begin_array();
        for (std::size_t j = 0; j < shown.columns; ++j) json.number(m->data[i * m->cols + j]);
        json.end_array();
      }
      if (!m->is_vector) json.end_array();
      json.key(p.name + "_truncated").boolean(shown.rows < m->rows || shown.columns < m->cols);
      continue;
    }
    struct {
      JsonWriter& json;
      void operator()(std::int64_t v) { json.integer(v); }
      void operator()(double v) { json.number(v); }
      void operator()(bool v) { json.boolean(v); }
      void operator()(const std::string& v) { json.string(v); }
      void operator()(const std::vector<std::string>& v) {
        json.begin_array();
        for (const std::string& s : v) json.string(s);
        json.end_array();
      }
      void operator()(const NumberMatrix&) {}
    } visitor{json};
    std::visit(visitor, p.value);
  }
}

}  // namespace

void add_field(std::string& out, std::string_view label, std::string_view value) {
  std::string line = std::string(label) + ":";
  line.resize(std::max<std::size_t>(line.size() + 1, 17), ' ');
  out += line;
  out += value;
  out += '\n';
}

std::vector<Param> describe(const StepEstimator& estimator) {
  return std::visit([](const auto& e) { return params_of(e); }, estimator);
}

void describe_text(const Estimator& estimator, std::string& out) {
  const auto* pipeline = std::get_if<PipelineModel>(&estimator);
  if (pipeline == nullptr) {
    std::visit(
        [&](const auto& e) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, PipelineModel>) {
            params_text(params_of(e), "", out);
          }
        },
        estimator);
    return;
  }
  add_field(out, "steps", std::to_string(pipeline->steps.size()));
  for (std::size_t i = 0; i < pipeline->steps.size(); ++i) {
    const PipelineStep& step = pipeline->steps[i];
    out += "step " + std::to_string(i) + " (" + step.name + "): " + estimator_kind(step.estimator) +
           "\n";
    params_text(describe(step.estimator), "  ", out);
  }
}

void describe_json(const Estimator& estimator, JsonWriter& json) {
  const auto* pipeline = std::get_if<PipelineModel>(&estimator);
  if (pipeline == nullptr) {
    std::visit(
        [&](const auto& e) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, PipelineModel>) {
            params_json(params_of(e), json);
          }
        },
        estimator);
    return;
  }
  json.key("steps").begin_array();
  for (const PipelineStep& step : pipeline->steps) {
    json.begin_object();
    json.key("name").string(step.name);
    json.key("estimator").string(estimator_kind(step.estimator));
    json.key("params").begin_object();
    params_json(describe(step.estimator), json);
    json.end_object();
    json.end_object();
  }
  json.end_array();
}

}  // namespace pith::cli
