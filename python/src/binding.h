// Shared pieces of the pith._core binding: array types, views and the numpy hand-off.
//
// Arrays cross without copies: every array argument is `noconvert`, so anything that is not a
// C-contiguous CPU array of exactly the expected dtype is refused with TypeError. The Python facade
// (python/pith) converts input the scikit-learn way before calling here. The GIL is released around
// every call into libpith.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "pith/error.h"
#include "pith/matrix.h"
#include "pith/model.h"
#include "pith/trees.h"

namespace pith::python {

namespace nb = nanobind;

// Inputs: read-only, C-contiguous, on the CPU, of exactly T.
template <class T>
using InMatrix = nb::ndarray<const T, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
template <class T>
using InVector = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
// Outputs: numpy arrays that own their memory.
template <class T>
using OutArray = nb::ndarray<nb::numpy, T>;

template <class T>
inline pith::MatrixView<T> view(const InMatrix<T>& a) {
  return {a.data(), a.shape(0), a.shape(1)};
}

// Hands a vector to numpy without copying; the capsule frees it with the array. Needs the GIL.
template <class T>
inline OutArray<T> to_numpy(std::vector<T>&& values, std::initializer_list<std::size_t> shape) {
  auto* owner = new std::vector<T>(std::move(values));
  nb::capsule free_owner(owner, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return OutArray<T>(owner->data(), shape, free_owner);
}

// Optional 1-D weights (None or an array of X's dtype), checked against the number of rows.
template <class T>
inline const T* weights_or_null(const nb::object& sample_weight, std::size_t rows) {
  if (sample_weight.is_none()) return nullptr;
  InVector<T> w;
  if (!nb::try_cast(sample_weight, w, /*convert=*/false)) {
    throw nb::type_error("sample_weight must be None or a C-contiguous 1-D array of X's dtype");
  }
  if (w.shape(0) != rows) {
    pith::throw_invalid_argument("sample_weight has " + std::to_string(w.shape(0)) +
                                 " values, expected one per row of X (" + std::to_string(rows) +
                                 ")");
  }
  return w.data();  // kept alive by the caller's reference to sample_weight
}

// pith::Model <-> model dict (model_binding.cc); model_from_dict validates.
pith::Model model_from_dict(const nb::dict& d);
nb::dict model_to_dict(pith::Model&& model, const std::vector<std::string>& warnings);

// Tree ensembles as model dicts (tree_dict.cc); n_features is the width of the tree's input.
pith::TreeEnsembleModel tree_ensemble_from_dict(const nb::dict& d, std::size_t n_features);
void tree_ensemble_to_dict(pith::TreeEnsembleModel&& m, nb::dict& d);

// One registration function per binding file, called from NB_MODULE in core.cc.
void bind_kmeans(nb::module_& m);
void bind_models(nb::module_& m);
void bind_linear(nb::module_& m);
void bind_distributed(nb::module_& m);
void bind_lightgbm(nb::module_& m);  // lightgbm_binding.cc: import_lightgbm
void bind_wasm(nb::module_& m);      // wasm_binding.cc: compile_wasm, dump_wasm
void bind_xgboost(nb::module_& m);   // xgboost_binding.cc: import_xgboost

}  // namespace pith::python
