// pith._core.import_lightgbm: LightGBM's text model format (pith/lightgbm_import.h) -> a model
// dict, which pith.from_lightgbm turns into a pith.ensemble estimator.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <string>
#include <utility>

#include "binding.h"
#include "pith/lightgbm_import.h"
#include "pith/model.h"

namespace pith::python {

void bind_lightgbm(nb::module_& m) {
  m.def(
      "import_lightgbm",
      [](const std::string& text) {
        pith::Model model;
        {
          nb::gil_scoped_release release;
          model = pith::import_lightgbm(text);
        }
        return model_to_dict(std::move(model), {});
      },
      nb::arg("text"),
      "A model dict from LightGBM's text model (Booster.model_to_string()). Raises "
      "NotImplementedError for what pith cannot represent and ModelFormatError for malformed "
      "text.");
}

}  // namespace pith::python
