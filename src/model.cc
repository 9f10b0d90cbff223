// pith::Model's invariants: estimator_kind() and validate_model(), which every loader runs on what
// it reads and every writer runs before writing, so an invalid model never reaches a file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pith/error.h"
#include "pith/model.h"

namespace pith {
namespace {

[[noreturn]] void fail(const std::string& message) { throw Error(ErrorCode::kFormat, message); }

// Strings cross into protobuf `string` fields, which proto3 parsers reject unless they hold valid
// UTF-8; checking here keeps save_model from writing a file that load_model would then refuse.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t min = 0;  // the smallest code point of this length: rejects overlong forms
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = c & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

void validate_schema(const InputSchema& input) {
  if (input.n_features < 1) {
    fail("input.n_features: expected >= 1, found " + std::to_string(input.n_features));
  }
  if (input.dtype != DType::kFloat32 && input.dtype != DType::kFloat64) {
    fail("input.dtype: expected float32 or float64, found code " +
         std::to_string(static_cast<int>(input.dtype)));
  }
  const auto& names = input.feature_names;
  if (!names.empty() && names.size() != input.n_features) {
    fail("input.feature_names: expected 0 or n_features = " + std::to_string(input.n_features) +
         " names, found " + std::to_string(names.size()));
  }
  std::unordered_map<std::string_view, std::size_t> first_index;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string where = "input.feature_names[" + std::to_string(i) + "]";
    if (names[i].empty()) fail(where + ": expected a non-empty name, found \"\"");
    if (!is_valid_utf8(names[i])) fail(where + ": expected UTF-8 text, found invalid bytes");
    const auto [it, inserted] = first_index.emplace(names[i], i);
    if (!inserted) {
      fail(where + ": duplicate name \"" + names[i] + "\" (also feature_names[" +
           std::to_string(it->second) + "]); expected unique names");
    }
  }
}

void validate_estimator(const KMeansModel& kmeans, const InputSchema& input) {
  const std::size_t k = kmeans.n_clusters;
  const std::size_t d = kmeans.n_features;
  if (k < 1) fail("kmeans.n_clusters: expected >= 1, found 0");
  if (d != input.n_features) {
    fail("kmeans.n_features: expected input.n_features = " + std::to_string(input.n_features) +
         ", found " + std::to_string(d));
  }
  // d >= 1 here (it equals input.n_features). A file may claim any k; compare before multiplying.
  if (k > std::numeric_limits<std::size_t>::max() / d) {
    fail("kmeans: n_clusters * n_features = " + std::to_string(k) + " * " + std::to_string(d) +
         " overflows; expected a center count that fits in memory");
  }
  if (kmeans.centers.size() != k * d) {
    fail("kmeans.centers: expected n_clusters * n_features = " + std::to_string(k) + " * " +
         std::to_string(d) + " = " + std::to_string(k * d) + " values, found " +
         std::to_string(kmeans.centers.size()));
  }
  for (std::size_t i = 0; i < kmeans.centers.size(); ++i) {
    if (!std::isfinite(kmeans.centers[i])) {
      fail("kmeans.centers[" + std::to_string(i / d) + "][" + std::to_string(i % d) +
           "]: expected a finite value, found " + format_double(kmeans.centers[i]));
    }
  }
  if (!std::isfinite(kmeans.inertia) || kmeans.inertia < 0) {
    fail("kmeans.inertia: expected a finite value >= 0, found " + format_double(kmeans.inertia));
  }
  if (kmeans.n_iter < 0) {
    fail("kmeans.n_iter: expected >= 0, found " + std::to_string(kmeans.n_iter));
  }
}

const char* kind_name(const KMeansModel&) { return "kmeans"; }

}  // namespace

const char* estimator_kind(const Estimator& estimator) {
  // One kind_name() overload per alternative: adding a kind without a name does not compile.
  return std::visit([](const auto& e) { return kind_name(e); }, estimator);
}

void validate_model(const Model& model) {
  if (!is_valid_utf8(model.producer)) fail("producer: expected UTF-8 text, found invalid bytes");
  validate_schema(model.input);
  std::visit([&](const auto& e) { validate_estimator(e, model.input); }, model.estimator);
}

}  // namespace pith
