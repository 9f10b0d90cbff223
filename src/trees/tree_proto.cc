// TreeEnsembleModel <-> its protobuf message: field-by-field copies; validate_tree_ensemble()
// checks consistency.
#include <cstdint>
#include <limits>
#include <string>

#include "model_proto.h"
#include "pith/error.h"

namespace pith::detail {
namespace {

namespace pb = ::pith::format::v1;
using Message = pb::TreeEnsemble;

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::kFormat, message); }

std::size_t to_size(std::uint64_t value, const char* field) {
  if (value > std::numeric_limits<std::size_t>::max()) {
    fail(std::string("tree_ensemble.") + field + ": " + std::to_string(value) +
         " does not fit in memory");
  }
  return static_cast<std::size_t>(value);
}

// proto3 enums are open: a value this reader does not know comes from a newer writer.
[[noreturn]] void fail_enum(const char* field, int value) {
  fail(std::string("tree_ensemble.") + field + ": unknown value " + std::to_string(value) +
       (value == 0 ? " (unset)" : " (written by a newer pith? upgrade pith)"));
}

FeaturePrecision read_precision(Message::FeaturePrecision value) {
  switch (value) {
    case Message::FEATURE_FLOAT32:
      return FeaturePrecision::kFloat32;
    case Message::FEATURE_FLOAT64:
      return FeaturePrecision::kFloat64;
    default:
      fail_enum("feature_precision", value);
  }
}

SplitComparison read_comparison(Message::Comparison value) {
  switch (value) {
    case Message::LESS_EQUAL:
      return SplitComparison::kLessEqual;
    case Message::LESS:
      return SplitComparison::kLess;
    default:
      fail_enum("comparison", value);
  }
}

ScorePrecision read_score_precision(Message::ScorePrecision value) {
  switch (value) {
    case Message::SCORE_FLOAT32:
      return ScorePrecision::kFloat32;
    case Message::SCORE_FLOAT64:
      return ScorePrecision::kFloat64;
    default:
      fail_enum("score_precision", value);
  }
}

TreeTransform read_transform(Message::Transform value) {
  switch (value) {
    case Message::IDENTITY:
      return TreeTransform::kIdentity;
    case Message::AVERAGE:
      return TreeTransform::kAverage;
    case Message::SIGMOID:
      return TreeTransform::kSigmoid;
    case Message::SOFTMAX:
      return TreeTransform::kSoftmax;
    case Message::EXP:
      return TreeTransform::kExp;
    default:
      fail_enum("transform", value);
  }
}

Message::Transform write_transform(TreeTransform value) {
  switch (value) {
    case TreeTransform::kIdentity:
      return Message::IDENTITY;
    case TreeTransform::kAverage:
      return Message::AVERAGE;
    case TreeTransform::kSigmoid:
      return Message::SIGMOID;
    case TreeTransform::kSoftmax:
      return Message::SOFTMAX;
    case TreeTransform::kExp:
      return Message::EXP;
  }
  return Message::TRANSFORM_UNSPECIFIED;
}

template <class T, class Repeated>
std::vector<T> to_vector(const Repeated& values) {
  return std::vector<T>(values.begin(), values.end());
}

template <class Repeated, class Vector>
void append(Repeated* out, const Vector& values) {
  out->Add(values.begin(), values.end());
}

}  // namespace

TreeEnsembleModel read_tree_ensemble(const Message& in) {
  TreeEnsembleModel m;
  m.n_features = to_size(in.n_features(), "n_features");
  if (in.has_classes()) m.classes = read_class_labels(in.classes(), "tree_ensemble.classes");
  m.n_outputs = to_size(in.n_outputs(), "n_outputs");
  m.leaf_width = to_size(in.leaf_width(), "leaf_width");
  m.feature_precision = read_precision(in.feature_precision());
  m.comparison = read_comparison(in.comparison());
  m.score_precision = read_score_precision(in.score_precision());
  m.transform = read_transform(in.transform());
  m.sigmoid_alpha = in.sigmoid_alpha();
  m.base_score = to_vector<double>(in.base_score());
  m.tree_offsets = to_vector<std::uint64_t>(in.tree_offsets());
  m.tree_output = to_vector<std::uint32_t>(in.tree_output());
  m.left_child = to_vector<std::int32_t>(in.left_child());
  m.right_child = to_vector<std::int32_t>(in.right_child());
  m.feature = to_vector<std::uint32_t>(in.feature());
  m.threshold = to_vector<double>(in.threshold());
  m.node_flags.assign(in.node_flags().begin(), in.node_flags().end());
  m.leaf_values = to_vector<double>(in.leaf_values());
  m.category_nodes = to_vector<std::uint64_t>(in.category_nodes());
  m.category_offsets = to_vector<std::uint64_t>(in.category_offsets());
  m.categories = to_vector<std::uint32_t>(in.categories());
  return m;
}

void write_tree_ensemble(const TreeEnsembleModel& m, Message& out) {
  out.set_n_features(m.n_features);
  if (m.is_classifier()) write_class_labels(m.classes, *out.mutable_classes());
  out.set_n_outputs(m.n_outputs);
  out.set_leaf_width(m.leaf_width);
  out.set_feature_precision(m.feature_precision == FeaturePrecision::kFloat32
                                ? Message::FEATURE_FLOAT32
                                : Message::FEATURE_FLOAT64);
  out.set_comparison(m.comparison == SplitComparison::kLess ? Message::LESS : Message::LESS_EQUAL);
  out.set_score_precision(m.score_precision == ScorePrecision::kFloat32 ? Message::SCORE_FLOAT32
                                                                        : Message::SCORE_FLOAT64);
  out.set_transform(write_transform(m.transform));
  out.set_sigmoid_alpha(m.sigmoid_alpha);
  append(out.mutable_base_score(), m.base_score);
  append(out.mutable_tree_offsets(), m.tree_offsets);
  append(out.mutable_tree_output(), m.tree_output);
  append(out.mutable_left_child(), m.left_child);
  append(out.mutable_right_child(), m.right_child);
  append(out.mutable_feature(), m.feature);
  append(out.mutable_threshold(), m.threshold);
  out.set_node_flags(std::string(m.node_flags.begin(), m.node_flags.end()));
  append(out.mutable_leaf_values(), m.leaf_values);
  append(out.mutable_category_nodes(), m.category_nodes);
  append(out.mutable_category_offsets(), m.category_offsets);
  append(out.mutable_categories(), m.categories);
}

}  // namespace pith::detail
