// pith/predict.h: the outputs of every kind, pipelines against step-by-step composition, class
// labels, and errors for unknown outputs and wrong shapes.
#include "pith/predict.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "pith/error.h"

namespace pith {
namespace {

StandardScalerModel scaler() { return {2, {1.0, -2.0}, {2.0, 0.5}, true, true}; }

LogisticRegressionModel classifier(std::size_t d, std::size_t n_classes) {
  LogisticRegressionModel m;
  m.n_features = d;
  if (n_classes == 2) {
    m.classes = std::vector<std::string>{"no", "yes"};
  } else {
    std::vector<std::int64_t> labels;
    for (std::size_t c = 0; c < n_classes; ++c) labels.push_back(10 * static_cast<std::int64_t>(c));
    m.classes = labels;
  }
  const std::size_t rows = n_classes == 2 ? 1 : n_classes;
  for (std::size_t i = 0; i < rows * d; ++i)
    m.coef.push_back(std::cos(1.0 + static_cast<double>(i)));
  for (std::size_t r = 0; r < rows; ++r) m.intercept.push_back(0.1 * static_cast<double>(r));
  return m;
}

KMeansModel kmeans() {
  KMeansModel m;
  m.n_clusters = 3;
  m.n_features = 2;
  m.centers = {0, 0, 5, 5, -5, 5};
  return m;
}

Model single(Estimator e, std::size_t d) {
  Model m;
  m.input.n_features = d;
  m.estimator = std::move(e);
  validate_model(m);
  return m;
}

std::vector<std::string> names(const Model& m) {
  std::vector<std::string> out;
  for (const OutputSpec& s : model_outputs(m)) out.push_back(s.name);
  return out;
}

const std::vector<double> kX = {0.5, 1.5, -3.0, 4.0, 2.0, -1.0, 7.0, 7.0};  // 4 x 2

TEST(ModelOutputs, EveryKindListsItsMethodsDefaultFirst) {
  using V = std::vector<std::string>;
  EXPECT_EQ(names(single(kmeans(), 2)), (V{"predict", "transform"}));
  LinearRegressionModel lr{2, 1, {1, 2}, {3}, 0.0, 2};
  EXPECT_EQ(names(single(lr, 2)), (V{"predict"}));
  EXPECT_EQ(names(single(classifier(2, 3), 2)),
            (V{"predict", "predict_proba", "decision_function"}));
  EXPECT_EQ(names(single(scaler(), 2)), (V{"transform"}));
  const auto outputs = model_outputs(single(classifier(2, 3), 2));
  EXPECT_TRUE(outputs[0].class_index);
  EXPECT_EQ(outputs[1].width, 3u);
  EXPECT_EQ(model_outputs(single(classifier(2, 2), 2))[2].width, 1u);
}

TEST(Predict, PipelineEqualsItsStepsAppliedInTurn) {
  // scaler -> kmeans (as a transformer: 3 distances) -> 3-class logistic regression.
  PipelineModel pipeline;
  pipeline.steps = {{"scale", scaler()}, {"kmeans", kmeans()}, {"clf", classifier(3, 3)}};
  const Model model = single(pipeline, 2);
  const MatrixView<double> X{kX.data(), 4, 2};
  std::vector<double> scaled(8), distances(12), expected(12), actual(12);
  standard_scaler_transform(scaler(), X, scaled.data());
  kmeans_transform(kmeans(), MatrixView<double>{scaled.data(), 4, 2}, distances.data());
  logistic_predict_proba(classifier(3, 3), MatrixView<double>{distances.data(), 4, 3},
                         expected.data());
  predict<double>(model, "predict_proba", X, nullptr, actual.data());
  EXPECT_EQ(actual, expected);
  std::vector<std::int32_t> labels(4);
  predict<double>(model, "predict", X, labels.data(), nullptr);
  const ClassLabels* classes = model_classes(model);
  ASSERT_NE(classes, nullptr);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(*classes).size(), 3u);
  for (std::size_t i = 0; i < 4; ++i) {
    const double* p = expected.data() + i * 3;
    EXPECT_EQ(labels[i], std::max_element(p, p + 3) - p);
  }
  // The input is never modified.
  EXPECT_EQ(kX[0], 0.5);
}

TEST(Predict, Float32PipelineTransformsInFloat32) {
  PipelineModel pipeline;
  pipeline.steps = {{"a", scaler()}, {"b", MinMaxScalerModel{2, {2, 3}, {-1, 0}, 0, 1, false}}};
  Model model = single(pipeline, 2);
  const std::vector<float> X(kX.begin(), kX.end());
  std::vector<float> step(8), expected(8), actual(8);
  standard_scaler_transform(scaler(), MatrixView<float>{X.data(), 4, 2}, step.data());
  min_max_scaler_transform(std::get<MinMaxScalerModel>(pipeline.steps[1].estimator),
                           MatrixView<float>{step.data(), 4, 2}, expected.data());
  predict<float>(model, "transform", MatrixView<float>{X.data(), 4, 2}, nullptr, actual.data());
  EXPECT_EQ(actual, expected);
}

TEST(Predict, ErrorsNameWhatWasExpected) {
  const Model model = single(kmeans(), 2);
  std::vector<double> out(16);
  std::vector<std::int32_t> labels(4);
  try {
    predict<double>(model, "predict_proba", MatrixView<double>{kX.data(), 4, 2}, labels.data(),
                    out.data());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("unknown output 'predict_proba'; this kmeans model has: "
                                         "predict transform"),
              std::string::npos)
        << e.what();
  }
  try {
    predict<double>(model, "predict", MatrixView<double>{kX.data(), 2, 4}, labels.data(), nullptr);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("X has 4 features, but the model expects 2"),
              std::string::npos)
        << e.what();
  }
  try {
    predict<double>(model, "predict", MatrixView<double>{kX.data(), 4, 2}, nullptr, out.data());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no buffer"), std::string::npos) << e.what();
  }
  // Zero rows: nothing to do, no error.
  predict<double>(model, "predict", MatrixView<double>{kX.data(), 0, 2}, labels.data(), nullptr);
}

TEST(Predict, BinaryClassifierLabelsFollowTheSignOfTheScore) {
  const Model model = single(classifier(2, 2), 2);
  std::vector<double> scores(4);
  std::vector<std::int32_t> labels(4);
  predict<double>(model, "decision_function", MatrixView<double>{kX.data(), 4, 2}, nullptr,
                  scores.data());
  predict<double>(model, "predict", MatrixView<double>{kX.data(), 4, 2}, labels.data(), nullptr);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(labels[i], scores[i] > 0 ? 1 : 0);
}

}  // namespace
}  // namespace pith
