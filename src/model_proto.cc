// pith::Model <-> protobuf payload, one read_/write_ pair per estimator kind. Field-by-field
// copies only: consistency checks are validate_model()'s job (src/model.cc).
#include "model_proto.h"

#include <google/protobuf/unknown_field_set.h>

#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "pith/error.h"
#include "pith/version.h"

namespace pith::detail {
namespace {

namespace pb = ::pith::format::v1;

[[noreturn]] void fail_format(const std::string& message) {
  throw Error(ErrorCode::kFormat, message);
}

std::size_t to_size(std::uint64_t value, const char* field) {
  if constexpr (sizeof(std::size_t) < sizeof(std::uint64_t)) {
    if (value > std::numeric_limits<std::size_t>::max()) {
      fail_format(std::string(field) + ": " + std::to_string(value) + " does not fit in memory");
    }
  }
  return static_cast<std::size_t>(value);
}

int to_int(std::uint32_t value, const char* field) {
  if (value > static_cast<std::uint32_t>(std::numeric_limits<int>::max())) {
    fail_format(std::string(field) +
                ": expected <= " + std::to_string(std::numeric_limits<int>::max()) + ", found " +
                std::to_string(value));
  }
  return static_cast<int>(value);
}

template <class Repeated>
std::vector<double> to_vector(const Repeated& values) {
  return std::vector<double>(values.begin(), values.end());
}

InputSchema read_schema(const pb::Model& message) {
  if (!message.has_input()) fail_format("input: missing; expected the model's input schema");
  const pb::InputSchema& in = message.input();
  InputSchema schema;
  schema.n_features = to_size(in.n_features(), "input.n_features");
  switch (in.dtype()) {
    case pb::DTYPE_FLOAT32:
      schema.dtype = DType::kFloat32;
      break;
    case pb::DTYPE_FLOAT64:
      schema.dtype = DType::kFloat64;
      break;
    case pb::DTYPE_UNSPECIFIED:
      fail_format("input.dtype: expected float32 or float64, found DTYPE_UNSPECIFIED (0)");
    default:  // proto3 enums are open: a newer writer's dtype arrives as its number
      fail_format("input.dtype: expected float32 or float64, found unknown code " +
                  std::to_string(static_cast<int>(in.dtype())) +
                  " (a dtype added by a newer pith? upgrade pith)");
  }
  schema.feature_names.assign(in.feature_names().begin(), in.feature_names().end());
  return schema;
}

// ---- One read/write pair per kind.

KMeansModel read(const pb::KMeans& in) {
  KMeansModel m;
  m.n_clusters = to_size(in.n_clusters(), "kmeans.n_clusters");
  m.n_features = to_size(in.n_features(), "kmeans.n_features");
  m.centers = to_vector(in.cluster_centers());
  m.inertia = in.inertia();
  m.n_iter = to_int(in.n_iter(), "kmeans.n_iter");
  return m;
}

void write(const KMeansModel& m, pb::KMeans& out) {
  out.set_n_clusters(m.n_clusters);
  out.set_n_features(m.n_features);
  out.mutable_cluster_centers()->Add(m.centers.begin(), m.centers.end());
  out.set_inertia(m.inertia);
  out.set_n_iter(static_cast<std::uint32_t>(m.n_iter));  // validated >= 0
}

LinearRegressionModel read(const pb::LinearRegression& in) {
  LinearRegressionModel m;
  m.n_features = to_size(in.n_features(), "linear_regression.n_features");
  m.n_targets = to_size(in.n_targets(), "linear_regression.n_targets");
  m.coef = to_vector(in.coef());
  m.intercept = to_vector(in.intercept());
  m.alpha = in.alpha();
  m.rank = in.rank();
  return m;
}

void write(const LinearRegressionModel& m, pb::LinearRegression& out) {
  out.set_n_features(m.n_features);
  out.set_n_targets(m.n_targets);
  out.mutable_coef()->Add(m.coef.begin(), m.coef.end());
  out.mutable_intercept()->Add(m.intercept.begin(), m.intercept.end());
  out.set_alpha(m.alpha);
  out.set_rank(m.rank);
}

}  // namespace

ClassLabels read_class_labels(const pb::ClassLabels& in, const char* field) {
  if (in.int_labels_size() > 0 && in.string_labels_size() > 0) {
    fail_format(std::string(field) + ": expected integer or string labels, found both");
  }
  if (in.string_labels_size() > 0) {
    return std::vector<std::string>(in.string_labels().begin(), in.string_labels().end());
  }
  return std::vector<std::int64_t>(in.int_labels().begin(), in.int_labels().end());
}

void write_class_labels(const ClassLabels& classes, pb::ClassLabels& out) {
  if (const auto* ints = std::get_if<std::vector<std::int64_t>>(&classes)) {
    out.mutable_int_labels()->Add(ints->begin(), ints->end());
  } else {
    for (const std::string& label : std::get<std::vector<std::string>>(classes)) {
      out.add_string_labels(label);
    }
  }
}

namespace {

LogisticRegressionModel read(const pb::LogisticRegression& in) {
  LogisticRegressionModel m;
  m.n_features = to_size(in.n_features(), "logistic_regression.n_features");
  m.classes = read_class_labels(in.classes(), "logistic_regression.classes");
  m.coef = to_vector(in.coef());
  m.intercept = to_vector(in.intercept());
  m.C = in.c();
  m.n_iter = to_int(in.n_iter(), "logistic_regression.n_iter");
  return m;
}

void write(const LogisticRegressionModel& m, pb::LogisticRegression& out) {
  out.set_n_features(m.n_features);
  write_class_labels(m.classes, *out.mutable_classes());
  out.mutable_coef()->Add(m.coef.begin(), m.coef.end());
  out.mutable_intercept()->Add(m.intercept.begin(), m.intercept.end());
  out.set_c(m.C);
  out.set_n_iter(static_cast<std::uint32_t>(m.n_iter));
}

StandardScalerModel read(const pb::StandardScaler& in) {
  StandardScalerModel m;
  m.n_features = to_size(in.n_features(), "standard_scaler.n_features");
  m.mean = to_vector(in.mean());
  m.scale = to_vector(in.scale());
  m.with_mean = in.with_mean();
  m.with_std = in.with_std();
  return m;
}

void write(const StandardScalerModel& m, pb::StandardScaler& out) {
  out.set_n_features(m.n_features);
  out.mutable_mean()->Add(m.mean.begin(), m.mean.end());
  out.mutable_scale()->Add(m.scale.begin(), m.scale.end());
  out.set_with_mean(m.with_mean);
  out.set_with_std(m.with_std);
}

MinMaxScalerModel read(const pb::MinMaxScaler& in) {
  MinMaxScalerModel m;
  m.n_features = to_size(in.n_features(), "min_max_scaler.n_features");
  m.scale = to_vector(in.scale());
  m.min = to_vector(in.min());
  m.range_min = in.range_min();
  m.range_max = in.range_max();
  m.clip = in.clip();
  return m;
}

void write(const MinMaxScalerModel& m, pb::MinMaxScaler& out) {
  out.set_n_features(m.n_features);
  out.mutable_scale()->Add(m.scale.begin(), m.scale.end());
  out.mutable_min()->Add(m.min.begin(), m.min.end());
  out.set_range_min(m.range_min);
  out.set_range_max(m.range_max);
  out.set_clip(m.clip);
}

[[noreturn]] void fail_unknown_estimator(const google::protobuf::Message& message,
                                         const std::string& where) {
  // A newer writer's kind is a oneof field this reader does not know: protobuf keeps it as an
  // unknown field, whose number helps whoever reads the bug report.
  std::string numbers;
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    numbers +=
        (numbers.empty() ? " (unknown fields: " : ", ") + std::to_string(unknown.field(i).number());
  }
  if (!numbers.empty()) numbers += ")";
  fail_format(where + "holds no estimator this pith version knows" + numbers +
              ": probably an estimator kind added by a newer pith; upgrade pith to load it");
}

// Model and PipelineStep share the oneof's field numbers and accessors.
template <class Message>
StepEstimator read_step_estimator(const Message& in, const std::string& where) {
  switch (static_cast<int>(in.estimator_case())) {
    case Message::kKmeans:
      return read(in.kmeans());
    case Message::kLinearRegression:
      return read(in.linear_regression());
    case Message::kLogisticRegression:
      return read(in.logistic_regression());
    case Message::kStandardScaler:
      return read(in.standard_scaler());
    case Message::kMinMaxScaler:
      return read(in.min_max_scaler());
    case Message::kTreeEnsemble:
      return read_tree_ensemble(in.tree_ensemble());
    default:
      fail_unknown_estimator(in, where);
  }
}

template <class Message>
void write_step_estimator(const StepEstimator& estimator, Message& out) {
  struct {
    Message& out;
    void operator()(const KMeansModel& m) { write(m, *out.mutable_kmeans()); }
    void operator()(const LinearRegressionModel& m) { write(m, *out.mutable_linear_regression()); }
    void operator()(const LogisticRegressionModel& m) {
      write(m, *out.mutable_logistic_regression());
    }
    void operator()(const StandardScalerModel& m) { write(m, *out.mutable_standard_scaler()); }
    void operator()(const MinMaxScalerModel& m) { write(m, *out.mutable_min_max_scaler()); }
    void operator()(const TreeEnsembleModel& m) {
      write_tree_ensemble(m, *out.mutable_tree_ensemble());
    }
  } visitor{out};
  std::visit(visitor, estimator);
}

PipelineModel read(const pb::Pipeline& in) {
  PipelineModel pipeline;
  pipeline.steps.reserve(static_cast<std::size_t>(in.steps_size()));
  for (int i = 0; i < in.steps_size(); ++i) {
    const pb::PipelineStep& step = in.steps(i);
    pipeline.steps.push_back(PipelineStep{
        step.name(), read_step_estimator(step, "pipeline.steps[" + std::to_string(i) + "] ")});
  }
  return pipeline;
}

// Step kinds are in both variants; a pipeline only in Estimator.
Estimator to_estimator(StepEstimator step) {
  return std::visit([](auto&& e) -> Estimator { return std::move(e); }, std::move(step));
}

}  // namespace

Model from_message(const pb::Model& message) {
  Model model;
  model.producer = message.producer();
  model.input = read_schema(message);
  if (message.estimator_case() == pb::Model::kPipeline) {
    model.estimator = read(message.pipeline());
  } else {
    model.estimator = to_estimator(read_step_estimator(message, "the file "));
  }
  return model;
}

pb::Model to_message(const Model& model) {
  pb::Model message;
  message.set_producer(model.producer.empty() ? std::string("pith ") + kVersion : model.producer);
  pb::InputSchema& in = *message.mutable_input();
  in.set_n_features(model.input.n_features);
  in.set_dtype(model.input.dtype == DType::kFloat32 ? pb::DTYPE_FLOAT32 : pb::DTYPE_FLOAT64);
  for (const std::string& name : model.input.feature_names) in.add_feature_names(name);
  if (const auto* pipeline = std::get_if<PipelineModel>(&model.estimator)) {
    pb::Pipeline& out = *message.mutable_pipeline();
    for (const PipelineStep& step : pipeline->steps) {
      pb::PipelineStep& s = *out.add_steps();
      s.set_name(step.name);
      write_step_estimator(step.estimator, s);
    }
  } else {
    std::visit(
        [&](const auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (!std::is_same_v<E, PipelineModel>)
            write_step_estimator(StepEstimator(e), message);
        },
        model.estimator);
  }
  return message;
}

}  // namespace pith::detail
