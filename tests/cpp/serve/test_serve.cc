// `pith serve` pieces without sockets: request validation and outputs (run_inference), the REST
// JSON codec, metrics exposition and model lookup errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "serve/http_service.h"
#include "serve/inference.h"
#include "serve/metrics.h"

namespace pith::serve {
namespace {

Servable kmeans_servable(DType dtype = DType::kFloat64) {
  Servable s;
  s.name = "km";
  s.version_text = "1";
  KMeansModel km;
  km.n_clusters = 2;
  km.n_features = 2;
  km.centers = {0, 0, 10, 10};
  s.model.input = {2, dtype, {}};
  s.model.estimator = km;
  s.outputs = model_outputs(s.model);
  s.classes = model_classes(s.model);
  return s;
}

Servable logistic_servable(ClassLabels classes) {
  Servable s;
  s.name = "clf";
  s.version_text = "1";
  LogisticRegressionModel lr;
  lr.n_features = 1;
  lr.classes = std::move(classes);
  lr.coef = {1.0};
  lr.intercept = {0.0};
  s.model.input = {1, DType::kFloat64, {}};
  s.model.estimator = lr;
  s.outputs = model_outputs(s.model);
  s.classes = model_classes(s.model);
  return s;
}

// The InferInput points into `shape` and `values`: they must outlive it.
InferInput typed_input(const std::vector<std::int64_t>& shape, const std::vector<double>& values) {
  InferInput input;
  input.name = "input";
  input.datatype = "FP64";
  input.shape = shape;
  input.fp64 = values;
  return input;
}

std::string error_of(const Servable& s, const InferInput& input,
                     std::vector<std::string_view> requested = {}) {
  InferScratch scratch;
  try {
    run_inference(s, input, requested, scratch);
  } catch (const RequestError& e) {
    EXPECT_EQ(e.outcome(), Outcome::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(ServeInference, KMeansOutputs) {
  const Servable s = kmeans_servable();
  const std::vector<std::int64_t> shape = {2, 2};
  const std::vector<double> values = {1, 1, 9, 9};
  InferScratch scratch;
  const auto outputs = run_inference(s, typed_input(shape, values), {}, scratch);
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].spec->name, "predict");
  EXPECT_STREQ(outputs[0].datatype, "INT32");
  EXPECT_EQ(outputs[0].rank, 1);
  ASSERT_EQ(outputs[0].bytes.size(), 8u);
  std::int32_t labels[2];
  std::memcpy(labels, outputs[0].bytes.data(), 8);
  EXPECT_EQ(labels[0], 0);
  EXPECT_EQ(labels[1], 1);
  EXPECT_STREQ(outputs[1].datatype, "FP64");
  EXPECT_EQ(outputs[1].rank, 2);
  EXPECT_EQ(outputs[1].shape[1], 2);
}

TEST(ServeInference, UnalignedRawBytesAndConversion) {
  const Servable s = kmeans_servable(DType::kFloat32);
  std::vector<char> buffer(1 + 2 * sizeof(double));
  const double row[2] = {9.5, 9.5};
  std::memcpy(buffer.data() + 1, row, sizeof row);  // misaligned on purpose
  InferInput input;
  input.name = "input";
  input.datatype = "FP64";
  const std::vector<std::int64_t> shape = {2};
  input.shape = shape;
  input.raw = true;
  input.raw_bytes = std::string_view(buffer.data() + 1, sizeof row);
  InferScratch scratch;
  const std::string_view predict = "predict";
  const auto outputs = run_inference(s, input, {&predict, 1}, scratch);
  ASSERT_EQ(outputs.size(), 1u);
  std::int32_t label = -1;
  std::memcpy(&label, outputs[0].bytes.data(), 4);
  EXPECT_EQ(label, 1);
}

TEST(ServeInference, ValidationMessages) {
  const Servable s = kmeans_servable();
  const std::vector<double> four = {1, 2, 3, 4};
  EXPECT_NE(error_of(s, typed_input({1, 2, 2}, four)).find("has rank 3"), std::string::npos);
  EXPECT_NE(error_of(s, typed_input({1, 4}, four)).find("4 features per row, the model expects 2"),
            std::string::npos);
  EXPECT_NE(error_of(s, typed_input({0, 2}, {})).find("empty batch"), std::string::npos);
  EXPECT_NE(error_of(s, typed_input({3, 2}, four)).find("needs 6 values"), std::string::npos);
  EXPECT_NE(error_of(s, typed_input({-1, 2}, four)).find("negative"), std::string::npos);
  EXPECT_NE(error_of(s, typed_input({2, 2}, {1, NAN, 3, 4})).find("row 0, column 1 is NaN"),
            std::string::npos);
  EXPECT_NE(error_of(s, typed_input({2, 2}, {1, 2, INFINITY, 4})).find("row 1, column 0 is inf"),
            std::string::npos);
  const std::vector<std::int64_t> shape = {2, 2};
  InferInput fp16 = typed_input(shape, four);
  fp16.datatype = "FP16";
  EXPECT_NE(error_of(s, fp16).find("datatype 'FP16' is not supported; expected FP32 or FP64"),
            std::string::npos);
  EXPECT_NE(
      error_of(s, typed_input({2, 2}, four), {"proba"}).find("its outputs: predict, transform"),
      std::string::npos);
}

TEST(ServeInference, ClassLabelsAsInt64AndBytes) {
  const std::vector<std::int64_t> shape = {2, 1};
  const std::vector<double> values = {-5, 5};
  const std::string_view predict = "predict";
  InferScratch scratch;
  const Servable ints = logistic_servable(std::vector<std::int64_t>{7, 42});
  auto outputs = run_inference(ints, typed_input(shape, values), {&predict, 1}, scratch);
  EXPECT_STREQ(outputs[0].datatype, "INT64");
  std::int64_t labels[2];
  std::memcpy(labels, outputs[0].bytes.data(), 16);
  EXPECT_EQ(labels[0], 7);
  EXPECT_EQ(labels[1], 42);
  const Servable names = logistic_servable(std::vector<std::string>{"no", "yes"});
  outputs = run_inference(names, typed_input(shape, values), {&predict, 1}, scratch);
  EXPECT_STREQ(outputs[0].datatype, "BYTES");
  EXPECT_EQ(outputs[0].bytes, std::string("\x02\0\0\0no\x03\0\0\0yes", 13));
  // The JSON binding writes them as strings.
  const std::string json = infer_response_json(names, "", outputs);
  EXPECT_NE(json.find(R"("data":["no","yes"])"), std::string::npos) << json;
}

TEST(ServeJson, ParsesNestedDataAndRefusesMalformedBodies) {
  JsonInferRequest request;
  parse_infer_json(
      R"({"id":"a","inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3,4]]}],)"
      R"("outputs":[{"name":"predict"}]})",
      &request);
  EXPECT_EQ(request.id, "a");
  EXPECT_EQ(request.values32, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(request.outputs, std::vector<std::string>{"predict"});
  const auto error = [](std::string_view body) {
    JsonInferRequest r;
    try {
      parse_infer_json(body, &r);
    } catch (const RequestError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("{oops").find("malformed JSON"), std::string::npos);
  EXPECT_NE(error("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[true]}]})")
                .find("must hold numbers (or null"),
            std::string::npos);
  EXPECT_NE(error(R"({"inputs":[{"name":"x","shape":["1"],"datatype":"FP64","data":[1]}]})")
                .find("integers only"),
            std::string::npos);
  EXPECT_EQ(error_json("say \"hi\""), R"({"error":"say \"hi\""})");
}

TEST(ServeMetrics, PrometheusText) {
  Metrics metrics;
  ModelStats* stats = metrics.model("km");
  metrics.record(stats, Protocol::kGrpc, Outcome::kOk);
  metrics.record(stats, Protocol::kHttp, Outcome::kRejected);
  stats->latency.observe(0.0003, kLatencyBounds);
  stats->latency.observe(2.0, kLatencyBounds);
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(pith_requests_total{model="km",protocol="grpc",outcome="ok"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pith_requests_total{model="km",protocol="http",outcome="rejected"} 1)"),
            std::string::npos);
  // Cumulative buckets: 0 up to 0.00025, 1 from 0.0005, 2 from 2.5.
  EXPECT_NE(text.find(R"(pith_request_duration_seconds_bucket{model="km",le="0.00025"} 0)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pith_request_duration_seconds_bucket{model="km",le="0.0005"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pith_request_duration_seconds_bucket{model="km",le="+Inf"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(pith_request_duration_seconds_count{model="km"} 2)"), std::string::npos);
  EXPECT_NE(text.find("# TYPE pith_inflight_requests gauge\npith_inflight_requests 0\n"),
            std::string::npos);
}

TEST(ServeRegistry, LookupErrorsListWhatExists) {
  Metrics metrics;
  ModelRegistry registry({}, &metrics);
  const LookupResult missing = registry.find("nope", "");
  EXPECT_EQ(missing.servable, nullptr);
  EXPECT_EQ(missing.error, "unknown model 'nope'; this server serves: none");
}

}  // namespace
}  // namespace pith::serve
