// pith._core.import_xgboost: an XGBoost model's JSON or UBJSON bytes -> a tree-ensemble model
// dict (pith/xgboost_import.h). pith.from_xgboost gets the bytes from a Booster or a file.
#include <nanobind/nanobind.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binding.h"
#include "pith/model.h"
#include "pith/xgboost_import.h"

namespace pith::python {
namespace {

using namespace nb::literals;

nb::dict import_xgboost(const nb::bytes& data) {
  const std::string_view bytes(data.c_str(), data.size());  // immutable, kept alive by the caller
  Model model;
  {
    nb::gil_scoped_release release;
    model = pith::import_xgboost(bytes);
  }
  return model_to_dict(std::move(model), {});
}

}  // namespace

void bind_xgboost(nb::module_& m) {
  m.def("import_xgboost", &import_xgboost, "data"_a,
        "A tree-ensemble model dict from the bytes of an XGBoost model (JSON or UBJSON).");
}

}  // namespace pith::python
