// Blocks of rows as float64 for the linear models' BLAS products: float64 rows are read in place,
// float32 rows converted into a per-thread buffer.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include "pith/matrix.h"

namespace pith::detail {

// A buffer for blocks of up to `block_rows` rows of X (empty for float64: no copy is made).
template <class T>
std::vector<double> row_block_buffer(std::size_t block_rows, std::size_t cols) {
  return std::vector<double>(std::is_same_v<T, double> ? 0 : block_rows * cols);
}

// Rows [begin, begin + rows) of X as float64, row-major.
template <class T>
const double* rows_as_double(MatrixView<T> X, std::size_t begin, std::size_t rows,
                             std::vector<double>& buffer) {
  if constexpr (std::is_same_v<T, double>) {
    return X.row(begin);
  } else {
    const T* src = X.row(begin);
    for (std::size_t i = 0; i < rows * X.cols; ++i) buffer[i] = static_cast<double>(src[i]);
    return buffer.data();
  }
}

}  // namespace pith::detail
