// pith._core: the nanobind binding, the only code that knows about numpy and Python. This file
// holds the module and the error mapping; each *_binding.cc registers one family of functions.
#include <nanobind/nanobind.h>

#include <string_view>

#include <exception>

#include "binding.h"
#include "pith/error.h"
#include "pith/version.h"

namespace nb = nanobind;

namespace {

// pith::Error -> Python: bad input is ValueError, a bad file the ModelFormatError in `payload`.
void translate_pith_error(const std::exception_ptr& p, void* payload) {
  try {
    std::rethrow_exception(p);
  } catch (const pith::Error& e) {
    PyObject* type = PyExc_ValueError;
    switch (e.code()) {
      case pith::ErrorCode::kInvalidArgument:
        type = PyExc_ValueError;
        break;
      case pith::ErrorCode::kFormat:
      case pith::ErrorCode::kVersion:
        type = static_cast<PyObject*>(payload);
        break;
      case pith::ErrorCode::kUnsupported:
        type = PyExc_NotImplementedError;
        break;
      case pith::ErrorCode::kIO:
        type = PyExc_OSError;
        break;
    }
    // Messages may quote bytes of a bad input file: decode leniently, so that the error raised
    // is the pith error and not a UnicodeDecodeError about its message.
    const std::string_view what = e.what();
    PyObject* message =
        PyUnicode_DecodeUTF8(what.data(), static_cast<Py_ssize_t>(what.size()), "backslashreplace");
    if (message == nullptr) return;  // a MemoryError is set
    PyErr_SetObject(type, message);
    Py_DECREF(message);
  }
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "pith's native core. Private: use the pith package.";
  m.attr("__version__") = pith::kVersion;
  m.attr("format_version") = nb::make_tuple(pith::kFormatMajor, pith::kFormatMinor);

  // Lives as long as the interpreter: the translator below holds a borrowed pointer to it.
  PyObject* format_error = PyErr_NewExceptionWithDoc(
      "pith.ModelFormatError",
      "A model file (or bytes) that is not a pith model, is truncated or corrupted, or was "
      "written by an incompatible format version.",
      PyExc_ValueError, nullptr);
  m.attr("ModelFormatError") = nb::handle(format_error);
  nb::register_exception_translator(&translate_pith_error, format_error);

  pith::python::bind_kmeans(m);
  pith::python::bind_models(m);
  pith::python::bind_linear(m);
  pith::python::bind_distributed(m);
  pith::python::bind_wasm(m);
  pith::python::bind_xgboost(m);
  pith::python::bind_lightgbm(m);
}
