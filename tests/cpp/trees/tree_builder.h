// Hand-built tree ensembles for the tests: a tree is written as nested splits and leaves.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "pith/model.h"
#include "pith/trees.h"

namespace pith::test {

// A node of a tree under construction: a leaf (values) or a split with two children.
struct NodeSpec {
  bool leaf = true;
  std::vector<double> values;  // leaf
  std::uint32_t feature = 0;
  double threshold = 0.0;
  std::uint8_t flags = 0;
  std::vector<std::uint32_t> categories;  // categorical splits
  std::shared_ptr<NodeSpec> left, right;
};

inline std::shared_ptr<NodeSpec> leaf(std::vector<double> values) {
  auto n = std::make_shared<NodeSpec>();
  n->values = std::move(values);
  return n;
}
inline std::shared_ptr<NodeSpec> leaf(double value) { return leaf(std::vector<double>{value}); }

inline std::shared_ptr<NodeSpec> split(std::uint32_t feature, double threshold,
                                       std::shared_ptr<NodeSpec> left,
                                       std::shared_ptr<NodeSpec> right, std::uint8_t flags = 0) {
  auto n = std::make_shared<NodeSpec>();
  n->leaf = false;
  n->feature = feature;
  n->threshold = threshold;
  n->flags = flags;
  n->left = std::move(left);
  n->right = std::move(right);
  return n;
}

inline std::shared_ptr<NodeSpec> category_split(std::uint32_t feature,
                                                std::vector<std::uint32_t> categories,
                                                std::shared_ptr<NodeSpec> left,
                                                std::shared_ptr<NodeSpec> right,
                                                std::uint8_t flags) {
  auto n = split(feature, 0.0, std::move(left), std::move(right),
                 static_cast<std::uint8_t>(flags | node_flag::kCategorical));
  n->categories = std::move(categories);
  return n;
}

// Appends a tree (pre-order: a node, then its left subtree, then its right one).
inline void add_tree(TreeEnsembleModel& m, const std::shared_ptr<NodeSpec>& root,
                     std::uint32_t output = 0) {
  if (m.tree_offsets.empty()) m.tree_offsets.push_back(0);
  if (m.category_offsets.empty()) m.category_offsets.push_back(0);
  const std::size_t begin = m.left_child.size();
  struct Walker {
    TreeEnsembleModel& m;
    std::size_t begin;
    std::int32_t visit(const NodeSpec& n) {
      const std::size_t i = m.left_child.size();
      m.left_child.push_back(-1);
      m.right_child.push_back(-1);
      m.feature.push_back(n.leaf ? 0 : n.feature);
      m.threshold.push_back(n.leaf ? 0.0 : n.threshold);
      m.node_flags.push_back(n.leaf ? 0 : n.flags);
      for (std::size_t j = 0; j < m.leaf_width; ++j) {
        m.leaf_values.push_back(n.leaf ? n.values.at(n.values.size() == 1 ? 0 : j) : 0.0);
      }
      if (!n.leaf) {
        if ((n.flags & node_flag::kCategorical) != 0) {
          m.category_nodes.push_back(i);
          m.categories.insert(m.categories.end(), n.categories.begin(), n.categories.end());
          m.category_offsets.push_back(m.categories.size());
        }
        const std::int32_t l = visit(*n.left);
        const std::int32_t r = visit(*n.right);
        m.left_child[i] = l;
        m.right_child[i] = r;
      }
      return static_cast<std::int32_t>(i - begin);
    }
  } walker{m, begin};
  walker.visit(*root);
  m.tree_offsets.push_back(m.left_child.size());
  m.tree_output.push_back(output);
}

// A regressor over n_features with one output and no trees yet.
inline TreeEnsembleModel regressor(std::size_t n_features, std::size_t n_outputs = 1) {
  TreeEnsembleModel m;
  m.n_features = n_features;
  m.n_outputs = n_outputs;
  m.leaf_width = 1;
  m.base_score.assign(n_outputs, 0.0);
  return m;
}

inline Model as_model(TreeEnsembleModel trees, DType dtype = DType::kFloat64) {
  Model model;
  model.input.n_features = trees.n_features;
  model.input.dtype = dtype;
  model.estimator = std::move(trees);
  return model;
}

}  // namespace pith::test
