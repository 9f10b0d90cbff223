// The REST binding's JSON: decoding inference requests, encoding answers and errors.
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <variant>

#include "http_service.h"

namespace pith::serve {
namespace {

using nlohmann::json;

// Appends the numbers of a (possibly nested, row-major) "data" array.
template <class T>
void flatten(const json& value, std::vector<T>& out, std::string_view where) {
  if (value.is_array()) {
    for (const json& item : value) flatten(item, out, where);
    return;
  }
  if (value.is_null()) {  // JSON has no NaN: null is a missing value (tree ensembles route it)
    out.push_back(std::numeric_limits<T>::quiet_NaN());
    return;
  }
  if (!value.is_number()) {
    std::string message(where);
    message +=
        ": \"data\" must hold numbers (or null for a missing value; nested arrays "
        "allowed), found ";
    message += value.type_name();
    message += " ";
    message += value.dump();
    invalid(message);
  }
  out.push_back(static_cast<T>(value.get<double>()));
}

template <class T>
void append_number(std::string& out, T value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

template <class T>
void append_values(std::string& out, std::string_view bytes) {
  const std::size_t n = bytes.size() / sizeof(T);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    T value;
    std::memcpy(&value, bytes.data() + i * sizeof(T), sizeof(T));
    append_number(out, value);
  }
}

void append_strings(std::string& out, std::string_view bytes) {
  std::size_t at = 0;
  bool first = true;
  while (at + 4 <= bytes.size()) {
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data() + at, 4);
    at += 4;
    if (!first) out += ',';
    out += json(std::string(bytes.substr(at, length))).dump();
    at += length;
    first = false;
  }
}

}  // namespace

int http_status(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return 200;
    case Outcome::kInvalidArgument:
      return 400;
    case Outcome::kNotFound:
      return 404;
    case Outcome::kRejected:
      return 429;
    case Outcome::kUnavailable:
      return 503;
    case Outcome::kInternal:
      return 500;
    case Outcome::kCancelled:
      return 499;  // nginx's "client closed request"; never sent, the client is gone
  }
  return 500;
}

std::string error_json(std::string_view message) {
  return "{\"error\":" +
         json(std::string(message)).dump(-1, ' ', false, json::error_handler_t::replace) + "}";
}

void parse_infer_json(std::string_view body, JsonInferRequest* request) {
  json root;
  try {
    root = json::parse(body);
  } catch (const json::parse_error& e) {
    invalid(std::string("malformed JSON body: ") + e.what());
  }
  if (!root.is_object()) invalid("the body must be a JSON object with \"inputs\"");
  if (const auto id = root.find("id"); id != root.end()) {
    if (!id->is_string()) invalid("\"id\" must be a string");
    request->id = id->get<std::string>();
  }
  const auto inputs = root.find("inputs");
  if (inputs == root.end() || !inputs->is_array()) {
    invalid("the body needs \"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]");
  }
  if (inputs->size() != 1) {
    invalid(
        "the model takes exactly one input tensor (shape [batch, n_features]), the request "
        "has " +
        std::to_string(inputs->size()));
  }
  const json& input = (*inputs)[0];
  if (!input.is_object()) invalid("\"inputs\"[0] must be an object");
  const auto name = input.find("name");
  const auto shape = input.find("shape");
  const auto datatype = input.find("datatype");
  const auto data = input.find("data");
  if (name == input.end() || !name->is_string()) invalid("\"inputs\"[0] needs a string \"name\"");
  request->input_name = name->get<std::string>();
  const std::string where = "input '" + request->input_name + "'";
  if (datatype == input.end() || !datatype->is_string()) {
    invalid(where + " needs a string \"datatype\" (FP32 or FP64)");
  }
  request->datatype = datatype->get<std::string>();
  if (shape == input.end() || !shape->is_array()) {
    invalid(where + " needs \"shape\": an array of integers such as [1, n_features]");
  }
  for (const json& dim : *shape) {
    if (!dim.is_number_integer()) invalid(where + ": \"shape\" must hold integers only");
    request->shape.push_back(dim.get<std::int64_t>());
  }
  if (data == input.end()) invalid(where + " needs \"data\"");
  if (request->datatype == "FP32") {
    flatten(*data, request->values32, where);
  } else {
    flatten(*data, request->values64, where);
  }
  if (const auto outputs = root.find("outputs"); outputs != root.end()) {
    if (!outputs->is_array()) invalid("\"outputs\" must be an array of {\"name\": ...}");
    for (const json& output : *outputs) {
      const auto output_name = output.is_object() ? output.find("name") : output.end();
      if (!output.is_object() || output_name == output.end() || !output_name->is_string()) {
        invalid("each of \"outputs\" must be an object with a string \"name\"");
      }
      request->outputs.push_back(output_name->get<std::string>());
    }
  }
}

InferInput json_input(const JsonInferRequest& request) {
  InferInput input;
  input.name = request.input_name;
  input.datatype = request.datatype;
  input.shape = request.shape;
  input.fp32 = request.values32;
  input.fp64 = request.values64;
  return input;
}

std::string infer_response_json(const Servable& model, const std::string& id,
                                const std::vector<InferOutput>& outputs) {
  std::string out = "{\"model_name\":" + json(model.name).dump() + ",\"model_version\":\"" +
                    model.version_text + "\"";
  if (!id.empty())
    out += ",\"id\":" + json(id).dump(-1, ' ', false, json::error_handler_t::replace);
  out += ",\"outputs\":[";
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const InferOutput& output = outputs[i];
    if (i > 0) out += ',';
    out += "{\"name\":" + json(output.spec->name).dump() + ",\"datatype\":\"" + output.datatype +
           "\",\"shape\":[";
    for (int d = 0; d < output.rank; ++d) {
      if (d > 0) out += ',';
      append_number(out, output.shape[d]);
    }
    out += "],\"data\":[";
    const std::string_view type = output.datatype;
    if (type == "INT32") {
      append_values<std::int32_t>(out, output.bytes);
    } else if (type == "INT64") {
      append_values<std::int64_t>(out, output.bytes);
    } else if (type == "FP32") {
      append_values<float>(out, output.bytes);
    } else if (type == "FP64") {
      append_values<double>(out, output.bytes);
    } else {
      append_strings(out, output.bytes);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace pith::serve
