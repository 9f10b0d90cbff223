// Lowering: a pith::Model to the intermediate form, one overload per estimator kind. Each kind's
// outputs are the same as pith/predict.h's, computed in the same order of operations as
// scikit-learn's (dot product then intercept; subtract then divide; max-shifted softmax).
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pith/error.h"
#include "pith/predict.h"
#include "wasm/lower.h"
#include "wasm/trees.h"

namespace pith::wasm {
namespace {

Op make_op(OpKind kind, std::size_t in_width, std::size_t out_width,
           std::vector<std::vector<double>> tables = {}) {
  Op op;
  op.kind = kind;
  op.in_width = in_width;
  op.out_width = out_width;
  for (auto& t : tables) op.tables.push_back(Table{std::move(t), 0});
  return op;
}

Routine routine(std::string name, std::size_t width, std::vector<Op> ops, bool index = false,
                bool class_index = false) {
  Routine r;
  r.name = std::move(name);
  r.width = width;
  r.ops = std::move(ops);
  r.index_output = index;
  r.class_index = class_index;
  return r;
}

std::vector<Routine> lower_step(const KMeansModel& m) {
  const Op distances = make_op(OpKind::kSquaredDistances, m.n_features, m.n_clusters, {m.centers});
  return {routine("predict", 1, {distances, make_op(OpKind::kArgMin, m.n_clusters, 1)}, true),
          routine("transform", m.n_clusters,
                  {distances, make_op(OpKind::kSqrt, m.n_clusters, m.n_clusters)})};
}

std::vector<Routine> lower_step(const LinearRegressionModel& m) {
  return {routine("predict", m.n_targets,
                  {make_op(OpKind::kAffine, m.n_features, m.n_targets, {m.coef, m.intercept})})};
}

std::vector<Routine> lower_step(const LogisticRegressionModel& m) {
  const std::size_t rows = m.n_rows(), k = m.n_classes();
  const Op scores = make_op(OpKind::kAffine, m.n_features, rows, {m.coef, m.intercept});
  if (k == 2) {
    return {routine("predict", 1, {scores, make_op(OpKind::kPositive, 1, 1)}, true, true),
            routine("predict_proba", 2, {scores, make_op(OpKind::kSigmoidPair, 1, 2)}),
            routine("decision_function", 1, {scores})};
  }
  return {routine("predict", 1, {scores, make_op(OpKind::kArgMax, k, 1)}, true, true),
          routine("predict_proba", k, {scores, make_op(OpKind::kSoftmax, k, k)}),
          routine("decision_function", k, {scores})};
}

std::vector<Routine> lower_step(const StandardScalerModel& m) {
  const std::size_t d = m.n_features;
  return {routine("transform", d,
                  {make_op(OpKind::kStandardize, d, d,
                           {m.with_mean ? m.mean : std::vector<double>{},
                            m.with_std ? m.scale : std::vector<double>{}})})};
}

std::vector<Routine> lower_step(const MinMaxScalerModel& m) {
  const std::size_t d = m.n_features;
  std::vector<Op> ops = {make_op(OpKind::kScaleShift, d, d, {m.scale, m.min})};
  if (m.clip) {
    Op clip = make_op(OpKind::kClip, d, d);
    clip.lo = m.range_min;
    clip.hi = m.range_max;
    ops.push_back(clip);
  }
  return {routine("transform", d, std::move(ops))};
}

std::vector<Routine> lower_any_step(const StepEstimator& step, IoType io) {
  return std::visit(
      [io](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, TreeEnsembleModel>) {
          return lower_tree_ensemble(m, io);  // wasm/trees.cc
        } else {
          return lower_step(m);
        }
      },
      step);
}

std::vector<Routine> lower_pipeline(const PipelineModel& pipeline, IoType io) {
  if (pipeline.steps.empty()) throw Error(ErrorCode::kFormat, "a pipeline without steps");
  std::vector<Op> prefix;
  for (std::size_t s = 0; s + 1 < pipeline.steps.size(); ++s) {
    const PipelineStep& step = pipeline.steps[s];
    std::vector<Routine> routines = lower_any_step(step.estimator, io);
    const Routine* transform = nullptr;
    for (const Routine& r : routines) {
      if (r.name == "transform") transform = &r;
    }
    if (transform == nullptr) {
      std::string message = "pipeline step ";
      message.append(std::to_string(s)).append(" ('").append(step.name).append("', ");
      message.append(estimator_kind(step.estimator));
      message.append(") has no transform; only the last step of a pipeline may be a predictor");
      throw Error(ErrorCode::kUnsupported, message);
    }
    prefix.insert(prefix.end(), transform->ops.begin(), transform->ops.end());
  }
  std::vector<Routine> routines = lower_any_step(pipeline.steps.back().estimator, io);
  for (Routine& r : routines) r.ops.insert(r.ops.begin(), prefix.begin(), prefix.end());
  return routines;
}

// Float32 prediction in pith (predict<float>) rounds K-Means centers and MinMaxScaler's range to
// float32 and rounds every scaler, distance and square-root result; scores and probabilities
// are float64 until the output.
void round_for_float32(Op& op) {
  const auto to_float = [](double v) { return static_cast<double>(static_cast<float>(v)); };
  switch (op.kind) {
    case OpKind::kSquaredDistances:
      for (double& v : op.tables[0].values) v = to_float(v);
      op.rounds = true;
      break;
    case OpKind::kClip:
      op.lo = to_float(op.lo);
      op.hi = to_float(op.hi);
      break;
    case OpKind::kSqrt:
    case OpKind::kStandardize:
    case OpKind::kScaleShift:
      op.rounds = true;
      break;
    default:
      break;
  }
}

}  // namespace

Program lower(const Model& model, IoType io) {
  Program program;
  program.n_features = model.input.n_features;
  program.io = io;
  program.kind = estimator_kind(model.estimator);
  const ClassLabels* classes = model_classes(model);
  program.n_classes = classes == nullptr ? 0 : class_count(*classes);
  program.routines = std::visit(
      [io](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, PipelineModel>) {
          return lower_pipeline(m, io);
        } else if constexpr (std::is_same_v<M, TreeEnsembleModel>) {
          return lower_tree_ensemble(m, io);
        } else {
          return lower_step(m);
        }
      },
      model.estimator);
  if (io == IoType::kF32) {
    for (Routine& r : program.routines) {
      for (Op& op : r.ops) round_for_float32(op);
    }
  }
  return program;
}

}  // namespace pith::wasm
