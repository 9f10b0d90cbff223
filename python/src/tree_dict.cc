// Tree ensembles as model dicts: one 1-D numpy array per node or tree field (exact dtypes, see
// tree_ensemble_from_dict) and names for the enums, the same both ways.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "binding.h"
#include "pith/trees.h"

namespace pith::python {
namespace {

[[noreturn]] void bad_field(const char* key, const std::string& what) {
  throw nb::type_error(
      (std::string("tree_ensemble model dict field '") + key + "' " + what).c_str());
}

template <class T>
std::vector<T> array_field(const nb::dict& d, const char* key) {
  if (!d.contains(key)) throw_invalid_argument(std::string("model dict has no '") + key + "'");
  InVector<T> a;
  if (!nb::try_cast(d[key], a, /*convert=*/false)) {
    const char* kind = std::is_floating_point_v<T> ? "float" : std::is_signed_v<T> ? "int" : "uint";
    bad_field(key, "must be a C-contiguous 1-D numpy array of dtype " + std::string(kind) +
                       std::to_string(8 * sizeof(T)));
  }
  return std::vector<T>(a.data(), a.data() + a.shape(0));
}

template <class V>
V scalar_field(const nb::dict& d, const char* key) {
  if (!d.contains(key)) throw_invalid_argument(std::string("model dict has no '") + key + "'");
  V value;
  if (!nb::try_cast(d[key], value)) bad_field(key, "has the wrong type");
  return value;
}

template <class E>
E enum_field(const nb::dict& d, const char* key, std::initializer_list<E> values) {
  const std::string name = scalar_field<std::string>(d, key);
  std::string known;
  for (const E value : values) {
    if (name == to_string(value)) return value;
    known += (known.empty() ? "" : ", ") + std::string("'") + to_string(value) + "'";
  }
  throw_invalid_argument(std::string("tree_ensemble model dict field '") + key + "' is '" + name +
                         "'; expected one of " + known);
}

template <class T>
nb::object array(std::vector<T>&& values) {
  const std::size_t n = values.size();
  return nb::cast(to_numpy(std::move(values), {n}));
}

}  // namespace

TreeEnsembleModel tree_ensemble_from_dict(const nb::dict& d, std::size_t n_features) {
  TreeEnsembleModel m;
  m.n_features = n_features;
  if (d.contains("classes") && !d["classes"].is_none()) {
    std::vector<std::int64_t> ints;
    std::vector<std::string> strings;
    if (nb::try_cast(d["classes"], ints, /*convert=*/false)) {
      m.classes = std::move(ints);
    } else if (nb::try_cast(d["classes"], strings, /*convert=*/false)) {
      m.classes = std::move(strings);
    } else {
      bad_field("classes", "must be None or a list of all int or all str labels");
    }
  }
  m.n_outputs = scalar_field<std::size_t>(d, "n_outputs");
  m.leaf_width = scalar_field<std::size_t>(d, "leaf_width");
  m.feature_precision =
      enum_field(d, "feature_precision", {FeaturePrecision::kFloat32, FeaturePrecision::kFloat64});
  m.comparison = enum_field(d, "comparison", {SplitComparison::kLessEqual, SplitComparison::kLess});
  m.score_precision =
      enum_field(d, "score_precision", {ScorePrecision::kFloat32, ScorePrecision::kFloat64});
  m.transform = enum_field(d, "transform",
                           {TreeTransform::kIdentity, TreeTransform::kAverage,
                            TreeTransform::kSigmoid, TreeTransform::kSoftmax, TreeTransform::kExp});
  m.sigmoid_alpha = scalar_field<double>(d, "sigmoid_alpha");
  m.base_score = array_field<double>(d, "base_score");
  m.tree_offsets = array_field<std::uint64_t>(d, "tree_offsets");
  m.tree_output = array_field<std::uint32_t>(d, "tree_output");
  m.left_child = array_field<std::int32_t>(d, "left_child");
  m.right_child = array_field<std::int32_t>(d, "right_child");
  m.feature = array_field<std::uint32_t>(d, "feature");
  m.threshold = array_field<double>(d, "threshold");
  m.node_flags = array_field<std::uint8_t>(d, "node_flags");
  m.leaf_values = array_field<double>(d, "leaf_values");
  m.category_nodes = array_field<std::uint64_t>(d, "category_nodes");
  m.category_offsets = array_field<std::uint64_t>(d, "category_offsets");
  m.categories = array_field<std::uint32_t>(d, "categories");
  return m;
}

void tree_ensemble_to_dict(TreeEnsembleModel&& m, nb::dict& d) {
  if (m.is_classifier()) {
    std::visit([&](auto& labels) { d["classes"] = nb::cast(labels); }, m.classes);
  } else {
    d["classes"] = nb::none();
  }
  d["n_outputs"] = m.n_outputs;
  d["leaf_width"] = m.leaf_width;
  d["feature_precision"] = to_string(m.feature_precision);
  d["comparison"] = to_string(m.comparison);
  d["score_precision"] = to_string(m.score_precision);
  d["transform"] = to_string(m.transform);
  d["sigmoid_alpha"] = m.sigmoid_alpha;
  d["base_score"] = array(std::move(m.base_score));
  d["tree_offsets"] = array(std::move(m.tree_offsets));
  d["tree_output"] = array(std::move(m.tree_output));
  d["left_child"] = array(std::move(m.left_child));
  d["right_child"] = array(std::move(m.right_child));
  d["feature"] = array(std::move(m.feature));
  d["threshold"] = array(std::move(m.threshold));
  d["node_flags"] = array(std::move(m.node_flags));
  d["leaf_values"] = array(std::move(m.leaf_values));
  d["category_nodes"] = array(std::move(m.category_nodes));
  d["category_offsets"] = array(std::move(m.category_offsets));
  d["categories"] = array(std::move(m.categories));
}

}  // namespace pith::python
