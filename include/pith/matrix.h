// Non-owning views of row-major matrices: how every libpith entry point takes its data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pith {

// A row-major (rows x cols) block of T; row i starts at data + i * cols. No copy, no ownership.
template <class T>
struct MatrixView {
  const T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  const T* row(std::size_t i) const { return data + i * cols; }
  MatrixView slice_rows(std::size_t begin, std::size_t end) const {
    return {data + begin * cols, end - begin, cols};
  }
};

// The element types libpith estimators accept without conversion.
enum class DType : std::uint8_t { kFloat32 = 1, kFloat64 = 2 };

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::kFloat32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::kFloat64;
}

const char* dtype_name(DType dtype);

// Checks what every estimator requires of its input (rows, columns, finite values) and throws
// Error(kInvalidArgument) naming the first offending row and column.
template <class T>
void check_finite_matrix(MatrixView<T> X, const char* what, int n_threads = 0);

// Per-column mean and sum of squared deviations from it (M2 = n * variance) of all rows of X, in
// float64: two passes over each cache-sized block of rows (accurate on data far from the
// origin), one pass over memory. Moments of disjoint row ranges combine exactly (Chan, Golub and
// LeVeque), which is how a distributed fit gets them per chunk. Non-finite values propagate.
struct ColumnMoments {
  std::size_t rows = 0;
  std::vector<double> mean, m2;  // cols each; empty when rows == 0
};

template <class T>
ColumnMoments column_moments(MatrixView<T> X, int n_threads = 0);

}  // namespace pith
