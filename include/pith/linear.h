// Linear models: least squares (LinearRegression, Ridge) and L2-penalised logistic regression.
// Fitted models are plain data; fitting and prediction are free functions over them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "pith/matrix.h"

namespace pith {

// LinearRegression (alpha == 0) or Ridge (alpha > 0): y = X coef^T + intercept, per target.
struct LinearRegressionModel {
  std::size_t n_features = 0;
  std::size_t n_targets = 1;
  std::vector<double> coef;       // n_targets x n_features, row-major
  std::vector<double> intercept;  // n_targets (zeros without fit_intercept)
  double alpha = 0.0;             // the L2 penalty it was fitted with; informative
  int rank = -1;                  // rank of the centred design (LinearRegression), -1 if unknown
};

struct LinearRegressionParams {
  double alpha = 0.0;  // 0: ordinary least squares (minimum-norm solution if rank deficient)
  bool fit_intercept = true;
  int n_threads = 0;  // 0: all cores
};

// y is n x n_targets, row-major. sample_weight: n non-negative weights or nullptr (all ones).
template <class T>
LinearRegressionModel fit_linear_regression(const LinearRegressionParams& params, MatrixView<T> X,
                                            MatrixView<double> y,
                                            const double* sample_weight = nullptr);

// out: X.rows x n_targets, in the input's precision.
template <class T>
void linear_regression_predict(const LinearRegressionModel& model, MatrixView<T> X, T* out,
                               int n_threads = 0);

// Class labels of a classifier, in the order of its classes (scikit-learn's classes_, sorted).
using ClassLabels = std::variant<std::vector<std::int64_t>, std::vector<std::string>>;
std::size_t class_count(const ClassLabels& classes);
// At least two labels, sorted and unique, strings valid UTF-8; throws Error(kFormat) naming
// `field` otherwise.
void validate_classes(const ClassLabels& classes, const char* field);

// Logistic regression. Binary: one coefficient row, P(classes[1]) = sigmoid(x.coef + b).
// Multinomial (n_classes > 2): one row per class, P = softmax(X coef^T + intercept).
struct LogisticRegressionModel {
  std::size_t n_features = 0;
  ClassLabels classes;            // n_classes >= 2
  std::vector<double> coef;       // n_rows x n_features; n_rows = 1 if binary else n_classes
  std::vector<double> intercept;  // n_rows
  double C = 1.0;                 // informative: the inverse penalty it was fitted with
  int n_iter = 0;

  std::size_t n_classes() const { return class_count(classes); }
  std::size_t n_rows() const { return n_classes() == 2 ? 1 : n_classes(); }
};

struct LogisticRegressionParams {
  double C = 1.0;  // inverse of the L2 penalty strength, as scikit-learn's
  bool fit_intercept = true;
  int max_iter = 100;
  double tol = 1e-4;  // on the largest absolute gradient entry of the scaled objective
  int n_threads = 0;
  // Called after every iteration with (iteration, loss, max |gradient|); may be empty.
  std::function<void(int, double, double)> on_iteration;
};

struct LogisticRegressionFit {
  std::vector<double> coef;       // n_rows x n_features
  std::vector<double> intercept;  // n_rows
  int n_iter = 0;
  bool converged = false;
  std::string status;  // why the solver stopped, for convergence warnings
  double loss = 0.0;   // the final objective f(w) (see logistic.cc)
};

// Loss and gradient of one chunk of rows, unnormalised and unpenalised: sum_i s_i loss_i(W) and
// its gradient. W and gradient are n_rows x (n_features + 1), row-major, the intercept last in
// each row. Chunks combine with merge(), so a fit over many chunks (machines) is a reduction;
// the local fit calls this on the whole matrix.
struct LogisticLossGradient {
  double loss = 0.0;
  std::vector<double> gradient;
  void merge(const LogisticLossGradient& other);
};

template <class T>
void logistic_loss_gradient(MatrixView<T> X, const std::int32_t* y, const double* sample_weight,
                            std::size_t n_classes, const double* W, LogisticLossGradient& acc,
                            int n_threads = 0);

// y: class indices in [0, n_classes), n_classes >= 2. sample_weight as above (class weights
// folded in by the caller).
template <class T>
LogisticRegressionFit fit_logistic_regression(const LogisticRegressionParams& params,
                                              MatrixView<T> X, const std::int32_t* y,
                                              std::size_t n_classes,
                                              const double* sample_weight = nullptr);

// decision: X.rows x n_rows (the raw scores). proba: X.rows x n_classes. labels: class indices.
template <class T>
void logistic_decision_function(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                                int n_threads = 0);
template <class T>
void logistic_predict_proba(const LogisticRegressionModel& model, MatrixView<T> X, T* out,
                            int n_threads = 0);
template <class T>
void logistic_predict(const LogisticRegressionModel& model, MatrixView<T> X, std::int32_t* out,
                      int n_threads = 0);

}  // namespace pith
