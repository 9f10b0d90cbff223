// Tree ensembles imported from scikit-learn, XGBoost and LightGBM: decision trees, random
// forests and gradient-boosted trees as plain data, with each source's comparison semantics
// kept exactly, and prediction over them. See docs/model-format.md ("TreeEnsemble").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "pith/lazy_cache.h"
#include "pith/linear.h"  // ClassLabels
#include "pith/matrix.h"

namespace pith {

// How a feature value is compared with a threshold. kFloat32: the value is first rounded to
// float32 (scikit-learn's trees and XGBoost convert X to float32); kFloat64: as given (LightGBM
// and scikit-learn's HistGradientBoosting compare in float64).
enum class FeaturePrecision : std::uint8_t { kFloat32, kFloat64 };

// Which side of the threshold goes left: x <= threshold (scikit-learn, LightGBM) or
// x < threshold (XGBoost).
enum class SplitComparison : std::uint8_t { kLessEqual, kLess };

// The precision raw scores are summed in: float32 (XGBoost) or float64 (the others).
enum class ScorePrecision : std::uint8_t { kFloat32, kFloat64 };

// What turns raw scores (base score + the trees' leaf values) into predictions.
//   kIdentity: none (regression; a classifier's raw scores are then its probabilities).
//   kAverage:  each raw score divided by the number of trees that add to it (random forests).
//   kSigmoid:  1 / (1 + exp(-sigmoid_alpha * s)) per score; a binary classifier with one score s
//              has probabilities (1 - p, p).
//   kSoftmax:  softmax over the scores (multiclass).
//   kExp:      exp(s) (Poisson, gamma, Tweedie regression).
enum class TreeTransform : std::uint8_t { kIdentity, kAverage, kSigmoid, kSoftmax, kExp };

// Bits of TreeEnsembleModel::node_flags.
namespace node_flag {
// Missing values (NaN) go to the left child (else right).
inline constexpr std::uint8_t kDefaultLeft = 1;
// A categorical split: the feature value, truncated to an integer, is looked up in the node's
// category set (see TreeEnsembleModel::categories); the threshold is unused.
inline constexpr std::uint8_t kCategorical = 2;
// LightGBM's missing type "Zero": values with |x| <= 1e-35 count as missing, as NaN does.
inline constexpr std::uint8_t kZeroIsMissing = 4;
// Categorical: values in the set go left and all others (negative, unlisted) right; without the
// flag the set goes right and all others left.
inline constexpr std::uint8_t kCategoriesGoLeft = 8;
// Categorical: the category is x truncated toward zero, so x in (-1, 0) is category 0
// (LightGBM); without the flag any negative x is outside the set.
inline constexpr std::uint8_t kTruncateNegative = 16;
// Categorical: values that are not whole numbers are outside the set (scikit-learn's
// HistGradientBoosting matches category values exactly: 2.5 is an unknown category there).
inline constexpr std::uint8_t kWholeCategories = 32;
inline constexpr std::uint8_t kAll = 63;
}  // namespace node_flag

class TreePredictor;

// An ensemble of binary trees. Raw score j of a row is base_score[j] plus, for every tree t
// with tree_output[t] <= j < tree_output[t] + leaf_width, the leaf value (j - tree_output[t]) of
// the leaf the row reaches in t; trees are summed in order, in score_precision. A split node
// sends the row left when its feature value x (after feature_precision) compares true with the
// threshold (comparison), right otherwise; missing values follow node_flag::kDefaultLeft.
struct TreeEnsembleModel {
  std::size_t n_features = 0;
  ClassLabels classes;         // classifiers: >= 2 labels; regressors: none
  std::size_t n_outputs = 1;   // raw scores per row
  std::size_t leaf_width = 1;  // values per leaf (n_classes for scikit-learn's forests)
  FeaturePrecision feature_precision = FeaturePrecision::kFloat64;
  SplitComparison comparison = SplitComparison::kLessEqual;
  ScorePrecision score_precision = ScorePrecision::kFloat64;
  TreeTransform transform = TreeTransform::kIdentity;
  double sigmoid_alpha = 1.0;      // kSigmoid's scale (LightGBM's `sigmoid`)
  std::vector<double> base_score;  // n_outputs

  // Trees: the nodes of tree t are [tree_offsets[t], tree_offsets[t + 1]) in the node arrays,
  // its root first. Child indices are relative to the tree's first node.
  std::vector<std::uint64_t> tree_offsets;  // n_trees + 1, starts at 0
  std::vector<std::uint32_t> tree_output;   // n_trees: the first raw score the tree adds to

  // Nodes, all trees concatenated.
  std::vector<std::int32_t> left_child;   // -1 for a leaf
  std::vector<std::int32_t> right_child;  // -1 for a leaf
  std::vector<std::uint32_t> feature;     // split feature; 0 for a leaf
  std::vector<double> threshold;          // split threshold; 0 for a leaf or a categorical split
  std::vector<std::uint8_t> node_flags;   // node_flag bits; 0 for a leaf
  std::vector<double> leaf_values;        // n_nodes x leaf_width; zeros for split nodes

  // Category sets of the categorical splits: the set of node category_nodes[i] (a global node
  // index, ascending) is categories[category_offsets[i] .. category_offsets[i + 1]), ascending.
  std::vector<std::uint64_t> category_nodes;
  std::vector<std::uint64_t> category_offsets;  // category_nodes.size() + 1, starts at 0
  std::vector<std::uint32_t> categories;

  std::size_t n_trees() const { return tree_output.size(); }
  std::size_t n_nodes() const { return left_child.size(); }
  std::size_t n_classes() const { return class_count(classes); }
  bool is_classifier() const { return n_classes() > 0; }

  // The compiled form prediction runs on, built once on first use (thread-safe). Copies and
  // assignments start without one, so a model modified after a copy never predicts stale.
  LazyCache predictor;
};

// Builds the compiled predictor now rather than at the first prediction.
void prepare_tree_ensemble(const TreeEnsembleModel& model);

// Checks sizes, child links (every tree a proper binary tree reachable from its root), feature
// indices, thresholds (not NaN; infinities allowed), finite leaf values, category sets, and the
// outputs and transform against classes; throws Error(kFormat) naming the first problem.
void validate_tree_ensemble(const TreeEnsembleModel& model);

// Summary numbers of a validated ensemble (pith info).
struct TreeEnsembleStats {
  std::size_t n_leaves = 0;
  std::size_t max_depth = 0;  // edges from a root to its deepest leaf
  std::size_t n_categorical_splits = 0;
};
TreeEnsembleStats tree_ensemble_stats(const TreeEnsembleModel& model);

// Names of the enums, as pith info and the docs spell them: "float32", "<=", "sigmoid", ...
const char* to_string(FeaturePrecision value);
const char* to_string(SplitComparison value);
const char* to_string(ScorePrecision value);
const char* to_string(TreeTransform value);

// The width of predict_proba (classifiers) or predict (regressors), after the transform.
std::size_t tree_ensemble_prediction_width(const TreeEnsembleModel& model);

// Raw scores (X.rows x n_outputs, before the transform). X may hold NaN (missing values).
template <class T>
void tree_ensemble_raw_scores(const TreeEnsembleModel& model, MatrixView<T> X, T* out,
                              int n_threads = 0);

// Regressors: predictions (X.rows x n_outputs) after the transform.
// Classifiers: class probabilities (X.rows x n_classes).
template <class T>
void tree_ensemble_predict_values(const TreeEnsembleModel& model, MatrixView<T> X, T* out,
                                  int n_threads = 0);

// Classifiers: the index of the most probable class per row (the first on ties).
template <class T>
void tree_ensemble_predict_classes(const TreeEnsembleModel& model, MatrixView<T> X,
                                   std::int32_t* out, int n_threads = 0);

}  // namespace pith
