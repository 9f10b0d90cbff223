// What `pith info` shows of an estimator: a list of named parameters per kind, rendered as
// aligned text or JSON by one generic printer, so a new kind only lists its parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "json.h"
#include "pith/model.h"

namespace pith::cli {

// A rows x cols block of numbers (a vector is one row, shown on one line).
struct NumberMatrix {
  const double* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  bool is_vector = false;
};

struct Param {
  std::string name;
  std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>, NumberMatrix>
      value;
};

std::vector<Param> describe(const StepEstimator& estimator);

// Appends the parameters of `estimator` (and a pipeline's steps) to text / to an open JSON object.
void describe_text(const Estimator& estimator, std::string& out);
void describe_json(const Estimator& estimator, JsonWriter& json);

void add_field(std::string& out, std::string_view label, std::string_view value);

}  // namespace pith::cli
