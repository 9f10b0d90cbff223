// Names of the element types, and the finiteness check every estimator runs on its input.
#include "pith/matrix.h"

#include <cmath>
#include <string>

#include "pith/error.h"
#include "pith/threading.h"

namespace pith {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
  }
  return "unknown";
}

template <class T>
void check_finite_matrix(MatrixView<T> X, const char* what, int n_threads) {
  if (X.rows == 0) throw_invalid_argument(std::string(what) + " has 0 rows; expected at least 1");
  if (X.cols == 0)
    throw_invalid_argument(std::string(what) + " has 0 columns; expected at least 1");
  if (X.data == nullptr) throw_invalid_argument(std::string(what) + " is a null pointer");
  const std::size_t total = X.rows * X.cols;
  std::size_t first_bad = total;
#pragma omp parallel for reduction(min                           \
                                   : first_bad) schedule(static) \
    num_threads(threads_for(n_threads, total, 1 << 16))
  for (std::size_t i = 0; i < total; ++i) {
    if (!std::isfinite(X.data[i]) && i < first_bad) first_bad = i;
  }
  if (first_bad < total) {
    throw_invalid_argument(std::string(what) + " contains a non-finite value (" +
                           std::to_string(double(X.data[first_bad])) + ") at row " +
                           std::to_string(first_bad / X.cols) + ", column " +
                           std::to_string(first_bad % X.cols) +
                           "; expected finite values (impute or drop NaN/inf first)");
  }
}

template void check_finite_matrix<float>(MatrixView<float>, const char*, int);
template void check_finite_matrix<double>(MatrixView<double>, const char*, int);

}  // namespace pith
